def test_ella_has_firearms_marker(ella):
    from childsafe.people.selectors import marker_types_for

    assert marker_types_for(ella.pk) == {"firearms"}
