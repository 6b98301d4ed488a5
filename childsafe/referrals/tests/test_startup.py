import subprocess
import sys


def test_the_encompass_hook_is_registered_at_start_up_in_every_process():
    """A worker, a command or a script records incidents too: RF-9 must not depend on the web views."""
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'childsafe.config.settings.test');"
        "django.setup(); from childsafe.incidents.services import RECORDED_HOOKS;"
        "print(sorted(h.__name__ for h in RECORDED_HOOKS))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "encompass_on_domestic_abuse" in out
