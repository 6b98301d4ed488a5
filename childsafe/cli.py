"""The `childsafe` command.

childsafe demo            set up the embedded database, load the demo force, run worker + web
childsafe serve           serve the web app (waitress) on 127.0.0.1:8000
childsafe worker          deliver the outbox and run the rules sweep
childsafe replay FILE...  replay assurance scenarios on a fresh, throwaway database (files, folders or globs)
childsafe rules           list every rule (--markdown rewrites docs/rules.md)
childsafe generate        build a synthetic force (--scale for benchmarks)
childsafe token USER NAME issue an API token
childsafe audit verify    check the audit log's hash chain; names the first broken event
childsafe backup FILE     back up the database; childsafe restore FILE --yes puts one back
childsafe migrate, createuser, check, ...   every other Django management command
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childsafe.config.settings.local")
    if not args or args[0] in {"-h", "--help", "help"}:
        print(__doc__)
        if not args:
            return
    if args and args[0] == "replay" and "--keep-database" not in args:
        # A replay runs on its own throwaway SQLite database: it never touches the force's data.
        import tempfile

        tmp = tempfile.mkdtemp(prefix="childsafe-replay-")
        os.environ["CHILDSAFE_REPLAY_DATABASE"] = os.path.join(tmp, "replay.sqlite3")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["childsafe", *args])


if __name__ == "__main__":
    main()
