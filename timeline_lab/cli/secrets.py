"""`timeline-lab secrets ...`: a thin shell over Vault, import_env and KeyValidator; values never in argv."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..security.vault import Vault

__all__ = ["main", "register", "run"]


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the `secrets` command (set/list/delete/import-env/validate) to a parent CLI."""
    p = subparsers.add_parser(
        "secrets",
        help="store, list and check API keys and tokens in the encrypted vault",
        description="Values are read from a hidden prompt or stdin, never from the command line.",
    )
    p.add_argument("--vault", help="vault file (default: $TIMELINE_LAB_VAULT, else the user data dir)")
    p.add_argument(
        "--ask-passphrase",
        action="store_true",
        help="prompt for the vault passphrase (else $TIMELINE_LAB_VAULT_PASSPHRASE, keychain or key file)",
    )
    sub = p.add_subparsers(
        dest="secrets_command", required=True, metavar="{set,list,delete,import-env,validate}"
    )
    s = sub.add_parser("set", help="store a value typed at a hidden prompt (or piped on stdin)")
    s.add_argument("name", help="entry name, e.g. openai.api_key")
    s.add_argument("--stdin", action="store_true", help="read the value from stdin even on a terminal")
    sub.add_parser("list", help="print entry names (never values)")
    d = sub.add_parser("delete", help="remove an entry")
    d.add_argument("name")
    i = sub.add_parser("import-env", help="import known names from a .env file")
    i.add_argument("path", nargs="?", default=".env")
    i.add_argument("--validate", action="store_true", help="check imported API keys with their providers")
    i.add_argument("--keep-existing", action="store_true", help="do not overwrite entries already stored")
    v = sub.add_parser("validate", help="check stored API keys (exit 1 if any is not valid)")
    v.add_argument("names", nargs="*", help="entries to check (default: every stored API key)")
    v.add_argument("--timeout", type=float, default=10.0)
    p.set_defaults(run=run)


def _vault(args: argparse.Namespace) -> Vault:
    from ..security.vault import Vault

    passphrase = getpass.getpass("vault passphrase: ") if args.ask_passphrase else None
    return Vault(args.vault, passphrase=passphrase)


def _read_value(name: str, force_stdin: bool) -> str:
    if sys.stdin.isatty() and not force_stdin:
        return getpass.getpass(f"value for {name} (hidden): ")
    value = sys.stdin.read()
    return value[:-2] if value.endswith("\r\n") else value.removesuffix("\n")


def run(args: argparse.Namespace) -> int:
    """Execute one `secrets` sub-command; returns the exit status."""
    from ..security._errors import SecurityError
    from ..security.dotenv import API_KEY_ENTRIES, import_env
    from ..security.validators import KeyValidator
    from ..security.vault import check_new_name, masked_name

    vault = _vault(args)
    cmd = args.secrets_command
    if cmd == "set":
        name = check_new_name(args.name)  # before the prompt: a pasted key is refused, not echoed
        value = _read_value(name, args.stdin)
        if not value:
            msg = f"empty value for {name!r}; nothing stored"
            raise SecurityError(msg)
        vault.set(name, value)
        print(f"stored {name} in {vault.path}")
    elif cmd == "list":
        names = vault.names()
        for name in names:
            print(name)
        if not names:
            print(f"no entries in {vault.path}", file=sys.stderr)
    elif cmd == "delete":
        vault.delete(args.name)
        print(f"deleted {args.name} from {vault.path}")
    elif cmd == "import-env":
        report = import_env(args.path, vault, overwrite=not args.keep_existing, validate=args.validate)
        print("\n".join(report.lines()))
        return 0 if all(r.ok for r in report.validation.values()) else 1
    elif cmd == "validate":
        names = args.names or [n for n in vault.names() if n in API_KEY_ENTRIES]
        stored = set(vault.names())  # a name not stored is masked: it may be a pasted key
        unknown = [n if n in stored else masked_name(n) for n in names if n not in API_KEY_ENTRIES]
        if unknown:
            msg = f"not API-key entries: {', '.join(unknown)} (known: {', '.join(API_KEY_ENTRIES)})"
            raise SecurityError(msg)
        if not names:
            print(f"no API keys stored in {vault.path}", file=sys.stderr)
            return 0
        validator = KeyValidator(timeout=args.timeout)
        results = validator.validate_many_sync((API_KEY_ENTRIES[n], vault.get(n)) for n in names)
        for name, result in zip(names, results, strict=True):
            print(f"{name}: {result.describe()}")
        return 0 if all(r.ok for r in results) else 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Standalone entry (`python -m timeline_lab.cli.secrets secrets ...`), errors as in the main CLI."""
    parser = argparse.ArgumentParser(prog="timeline-lab")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    register(parser.add_subparsers(dest="command", required=True))
    from . import run_parsed

    return run_parsed(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
