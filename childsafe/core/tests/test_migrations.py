from django.core.management import call_command


def test_models_and_migrations_agree(db):
    # Fails when a model change has no migration (or a migration would churn between runs).
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
