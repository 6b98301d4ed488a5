"""What police protection adds to the child's page, the chronology, the intelligence check and need to know."""
