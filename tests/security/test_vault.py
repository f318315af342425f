"""Vault: real AES-256-GCM, and each way a vault can be wrong fails loudly and names the problem."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path

import platformdirs
import pytest

from tests.security.conftest import LockedKeyring, MemoryKeyring
from timeline_lab.security import (
    KeySource,
    SecretNotFoundError,
    Vault,
    VaultCorruptError,
    VaultError,
    VaultIntegrityError,
    VaultKeyError,
    _format,
    default_vault_path,
)
from timeline_lab.security._crypto import Aead, b64d, b64e, new_key

FAST = 2**14  # smallest Scrypt cost the vault accepts; keeps passphrase tests quick


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def doc(path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads(path.read_text())


@pytest.fixture
def vault(vault_path: Path, memkeyring: MemoryKeyring) -> Vault:
    v = Vault(vault_path, keyring_backend=memkeyring, scrypt_n=FAST)  # FAST: export bundles
    v.set("openai.api_key", "sk-CANARY-one")
    v.set("anthropic.api_key", "sk-ant-CANARY-two")
    return v


def test_round_trip_and_file_is_0600(vault: Vault, vault_path: Path) -> None:
    assert vault.get("openai.api_key").reveal() == "sk-CANARY-one"
    assert vault.names() == ["anthropic.api_key", "openai.api_key"]
    assert vault.key_source is KeySource.KEYRING
    assert mode(vault_path) == 0o600
    assert "CANARY" not in vault_path.read_text()
    assert repr(vault) == f"Vault({str(vault_path.resolve())!r})"


def test_delete_and_missing(vault: Vault) -> None:
    vault.delete("openai.api_key")
    assert "openai.api_key" not in vault
    with pytest.raises(SecretNotFoundError, match=r"no entry 'openai.api_key'"):  # a name's shape: whole
        vault.get("openai.api_key")
    with pytest.raises(SecretNotFoundError):
        vault.delete("openai.api_key")


def test_bad_name_is_not_echoed(vault: Vault) -> None:
    with pytest.raises(VaultError, match="invalid entry name") as info:
        vault.set("sk CANARY pasted as a name", "x")
    assert "CANARY" not in str(info.value)


def test_tampered_ciphertext_is_rejected(vault: Vault, vault_path: Path) -> None:
    d = doc(vault_path)
    ct = bytearray(b64d(d["entries"]["openai.api_key"]["ciphertext"]))
    ct[0] ^= 0x01
    d["entries"]["openai.api_key"]["ciphertext"] = b64e(bytes(ct))
    vault_path.write_text(json.dumps(d))
    with pytest.raises(VaultIntegrityError, match=r"entry 'openai\.api_key' failed authentication"):
        vault.get("openai.api_key")
    assert vault.get("anthropic.api_key").reveal() == "sk-ant-CANARY-two"  # the others are fine


def test_swapped_entry_names_are_rejected(vault: Vault, vault_path: Path) -> None:
    d = doc(vault_path)
    e = d["entries"]
    e["openai.api_key"], e["anthropic.api_key"] = e["anthropic.api_key"], e["openai.api_key"]
    vault_path.write_text(json.dumps(d))
    for name in ("openai.api_key", "anthropic.api_key"):
        with pytest.raises(VaultIntegrityError, match="moved from another entry"):
            vault.get(name)


def test_wrong_keychain_key_is_rejected(vault: Vault, vault_path: Path, memkeyring: MemoryKeyring) -> None:
    (slot,) = memkeyring.store
    memkeyring.store[slot] = b64e(new_key())
    fresh = Vault(vault_path, keyring_backend=memkeyring)
    with pytest.raises(VaultKeyError, match="does not open it"):
        fresh.get("openai.api_key")


def test_wrong_passphrase_is_rejected(vault_path: Path) -> None:
    Vault(vault_path, passphrase="right horse", scrypt_n=FAST).set("a", "sk-CANARY")
    with pytest.raises(VaultKeyError, match="master key from the passphrase does not open it"):
        Vault(vault_path, passphrase="wrong horse").get("a")
    with pytest.raises(VaultKeyError, match="passphrase-protected"):
        Vault(vault_path).get("a")


def test_wrong_key_file_is_rejected(vault_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    v = Vault(vault_path)
    v.set("a", "sk-CANARY")
    key_file = vault_path.with_name("vault.json.key")
    d = doc(key_file)
    (kid,) = d["keys"]
    d["keys"][kid] = b64e(new_key())
    key_file.write_text(json.dumps(d))
    with pytest.raises(VaultKeyError, match=f"key file {key_file}"):
        Vault(vault_path).get("a")
    key_file.unlink()
    with pytest.raises(VaultKeyError, match="is missing"):
        Vault(vault_path).get("a")


def test_truncated_file_is_rejected_at_every_cut(vault: Vault, vault_path: Path) -> None:
    data = vault_path.read_bytes()
    assert data.endswith(b"}\n")
    for cut in range(len(data) - 1):  # all but the trailing newline
        vault_path.write_bytes(data[:cut])
        with pytest.raises(VaultCorruptError, match="truncated or corrupt"):
            vault.get("openai.api_key")


def test_other_damage_is_a_corrupt_file(vault: Vault, vault_path: Path) -> None:
    d = doc(vault_path)
    d["format"] = "Vault.99"
    vault_path.write_text(json.dumps(d))
    with pytest.raises(VaultCorruptError, match=r"'Vault\.99'"):
        vault.names()
    d["format"] = "Vault.1"
    d["entries"]["openai.api_key"]["nonce"] = "not base64!"
    vault_path.write_text(json.dumps(d))
    with pytest.raises(VaultCorruptError):
        vault.names()


def test_nonces_never_repeat_across_100k_encryptions() -> None:
    """At the AEAD call the vault itself uses (encrypt_entry), 100,000 seals of the same value."""
    aead = Aead(new_key())
    nonces = {_format.encrypt_entry(aead, "openai.api_key", b"same value")["nonce"] for _ in range(100_000)}
    assert len(nonces) == 100_000
    assert {len(b64d(n)) for n in list(nonces)[:10]} == {12}


def test_every_write_goes_through_encrypt_entry_with_a_fresh_nonce(
    vault: Vault, vault_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real = _format.encrypt_entry

    def spy(aead: Aead, name: str, plaintext: bytes) -> dict[str, str]:
        rec = real(aead, name, plaintext)
        seen.append(rec["nonce"])
        return rec

    monkeypatch.setattr("timeline_lab.security.vault.encrypt_entry", spy)
    for _ in range(50):
        vault.set("openai.api_key", "sk-CANARY-one")
        assert doc(vault_path)["entries"]["openai.api_key"]["nonce"] == seen[-1]
    assert len(seen) == len(set(seen)) == 50


def test_rotate_master_key(vault: Vault, vault_path: Path, memkeyring: MemoryKeyring) -> None:
    before = doc(vault_path)
    (old_slot,) = memkeyring.store
    assert vault.rotate_master_key() == 2
    after = doc(vault_path)
    assert after["key"]["key_id"] != before["key"]["key_id"]
    for name in before["entries"]:
        assert after["entries"][name]["nonce"] != before["entries"][name]["nonce"]
    assert old_slot not in memkeyring.store and len(memkeyring.store) == 1  # old key gone
    fresh = Vault(vault_path, keyring_backend=memkeyring)
    assert fresh.get("anthropic.api_key").reveal() == "sk-ant-CANARY-two"


def test_rotate_passphrase_and_key_file(vault_path: Path, tmp_path: Path) -> None:
    v = Vault(vault_path, passphrase="old", scrypt_n=FAST)
    v.set("a", "1")
    v.rotate_master_key(new_passphrase="new")
    assert Vault(vault_path, passphrase="new").get("a").reveal() == "1"
    with pytest.raises(VaultKeyError):
        Vault(vault_path, passphrase="old").get("a")
    kf = tmp_path / "kf" / "vault.json"
    k = Vault(kf)
    k.set("b", "2")
    k.rotate_master_key()
    assert len(doc(kf.with_name("vault.json.key"))["keys"]) == 1
    assert Vault(kf).get("b").reveal() == "2"
    with pytest.raises(VaultError, match="needs a passphrase vault"):
        k.rotate_master_key(new_passphrase="x")


def test_export_import_bundle(vault: Vault, tmp_path: Path, memkeyring: MemoryKeyring) -> None:
    bundle = tmp_path / "secrets.bundle"
    vault.export_bundle(bundle, "bundle pass")
    assert mode(bundle) == 0o600 and "CANARY" not in bundle.read_text()
    other = Vault(tmp_path / "other.json", keyring_backend=MemoryKeyring())
    other.set("openai.api_key", "keep-me")
    assert other.import_bundle(bundle, "bundle pass") == ["anthropic.api_key"]
    assert other.get("openai.api_key").reveal() == "keep-me"
    assert other.import_bundle(bundle, "bundle pass", overwrite=True) == [
        "anthropic.api_key",
        "openai.api_key",
    ]
    assert other.get("openai.api_key").reveal() == "sk-CANARY-one"
    with pytest.raises(VaultKeyError, match="wrong passphrase"):
        other.import_bundle(bundle, "nope")
    d = doc(bundle)
    d["ciphertext"] = d["ciphertext"][:-8] + "AAAAAAA="
    bundle.write_text(json.dumps(d))
    with pytest.raises(VaultKeyError, match="tampered"):
        other.import_bundle(bundle, "bundle pass")
    bundle.write_text(bundle.read_text()[:40])
    with pytest.raises(VaultCorruptError, match="truncated or corrupt"):
        other.import_bundle(bundle, "bundle pass")


# -- where the master key lives ------------------------------------------------------------------


def test_keychain_first(vault_path: Path, memkeyring: MemoryKeyring) -> None:
    v = Vault(vault_path, keyring_backend=memkeyring, passphrase="ignored when a keychain exists")
    v.set("a", "1")
    assert v.key_source is KeySource.KEYRING
    ((service, user),) = memkeyring.store
    assert service == "timeline_lab" and str(vault_path.resolve()) in user


def test_global_keyring_backend_is_used(vault_path: Path) -> None:
    import keyring

    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    Vault(vault_path).set("a", "1")
    assert len(backend.store) == 1


def test_no_keychain_with_passphrase(vault_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIMELINE_LAB_VAULT_PASSPHRASE", "from env")
    v = Vault(vault_path, scrypt_n=FAST)
    v.set("a", "1")
    assert v.key_source is KeySource.PASSPHRASE
    assert not vault_path.with_name("vault.json.key").exists()
    assert Vault(vault_path, passphrase="from env").get("a").reveal() == "1"


def test_no_keychain_no_passphrase_uses_a_0600_key_file_and_warns(
    vault_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="timeline_lab.security"):
        v = Vault(vault_path)
        v.set("a", "sk-CANARY")
    assert v.key_source is KeySource.KEYFILE
    key_file = vault_path.with_name("vault.json.key")
    assert mode(key_file) == 0o600 and mode(vault_path) == 0o600
    assert "no usable OS keychain" in caplog.text and str(key_file) in caplog.text
    assert "CANARY" not in vault_path.read_text()  # never plaintext
    if os.name == "posix":
        assert stat.S_IMODE(vault_path.parent.stat().st_mode) == 0o700


def test_locked_keychain_falls_back_with_a_warning(
    vault_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        v = Vault(vault_path, keyring_backend=LockedKeyring(), passphrase="p", scrypt_n=FAST)
        v.set("a", "1")
    assert v.key_source is KeySource.PASSPHRASE
    assert "refused the master key" in caplog.text


def test_keychain_vault_without_a_keychain_is_a_clear_error(vault: Vault, vault_path: Path) -> None:
    with pytest.raises(VaultKeyError, match=r"no usable keyring backend .*fail\.Keyring"):
        Vault(vault_path).get("openai.api_key")
    with pytest.raises(VaultKeyError, match="not in the OS keychain"):
        Vault(vault_path, keyring_backend=MemoryKeyring()).get("openai.api_key")


def test_prefer_forces_a_source(vault_path: Path) -> None:
    with pytest.raises(VaultKeyError, match="no usable keyring backend"):
        Vault(vault_path, prefer="keyring").set("a", "1")
    with pytest.raises(VaultKeyError, match="needs a passphrase"):
        Vault(vault_path, prefer=KeySource.PASSPHRASE).set("a", "1")
    assert not vault_path.exists()


def test_loose_permissions_are_reported(
    vault: Vault, vault_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    vault_path.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        vault.names()
    assert "looser than 0600" in caplog.text


def test_default_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert default_vault_path() == tmp_path / "default-vault.json"
    monkeypatch.delenv("TIMELINE_LAB_VAULT")
    expected = Path(platformdirs.user_data_dir("timeline_lab", appauthor=False)) / "vault.json"
    assert default_vault_path() == expected


@pytest.mark.parametrize("damage", [b"[" * 100_000, b'{"format": ' + b"[" * 100_000, b"\xff\xfe", b""])
def test_a_damaged_key_file_is_a_corrupt_file_naming_it(tmp_path: Path, damage: bytes) -> None:
    """The no-keychain fallback's key file, crafted or damaged (nested too deep raised a bare
    RecursionError)."""
    from timeline_lab.security._keys import KeyFileStore

    path = tmp_path / "keys.json"
    path.write_bytes(damage)
    with pytest.raises(VaultCorruptError, match=r"keys\.json: not a timeline_lab key file"):
        KeyFileStore(path).load("k")


# -- Scrypt parameters read from a file -------------------------------------------------------------

KDF_CASES = [
    # (changes to the stored kdf, error naming the field; None: accepted)
    ({}, None),
    ({"n": 2**17, "r": 8, "p": 1}, None),  # what a vault is written with: 128 MiB
    ({"n": 2**20, "r": 2, "p": 4}, None),  # 256 MiB, the most memory allowed, and the most lanes
    ({"n": 2**14, "r": 32, "p": 4}, None),
    ({"p": 5}, r"kdf\.p = 5 is not from 1 to 4"),
    ({"p": 16}, r"kdf\.p = 16 is not from 1 to 4"),
    ({"p": 0}, r"kdf\.p = 0 is not from 1 to 4"),
    (
        {"n": 2**20, "r": 32},
        r"kdf\.n = 1048576 with kdf\.r = 32 needs 4096 MiB \(128\*n\*r\); at most 256 MiB",
    ),
    ({"n": 2**20, "r": 3}, r"kdf\.n = 1048576 with kdf\.r = 3 needs 384 MiB"),
    ({"n": 2**19, "r": 8}, r"needs 512 MiB"),
    ({"n": 2**21}, r"kdf\.n = 2097152 is not a power of two from 2\*\*14 to 2\*\*20"),
    ({"n": 2**13}, r"kdf\.n = 8192 is not"),
    ({"n": 3 * 2**15}, r"kdf\.n = 98304 is not a power of two"),
    ({"r": 33}, r"kdf\.r = 33 is not from 1 to 32"),
    ({"r": 0}, r"kdf\.r = 0 is not from 1 to 32"),
]


@pytest.mark.parametrize(("changes", "error"), KDF_CASES)
def test_scrypt_parameters_in_a_vault_header_are_bounded(
    vault_path: Path, changes: dict[str, int], error: str | None
) -> None:
    """A tampered header cannot make each open take gigabytes and minutes: refused before deriving."""
    Vault(vault_path, passphrase="pw", scrypt_n=FAST).set("a", "sk-CANARY")
    d = doc(vault_path)
    d["key"]["kdf"].update(changes)
    vault_path.write_text(json.dumps(d))
    if error is None:
        _format.VaultState.parse(vault_path.read_bytes(), vault_path)
        return
    for call in (Vault(vault_path, passphrase="pw").get, Vault(vault_path).__contains__):
        with pytest.raises(VaultCorruptError, match=error) as info:
            call("a")
        assert str(vault_path) in str(info.value)


@pytest.mark.parametrize(("changes", "error"), [c for c in KDF_CASES if c[1] is not None])
def test_scrypt_parameters_in_a_bundle_are_bounded(
    vault: Vault, tmp_path: Path, changes: dict[str, int], error: str
) -> None:
    bundle = tmp_path / "secrets.bundle"
    vault.export_bundle(bundle, "bundle pass")
    d = doc(bundle)
    d["kdf"].update(changes)
    bundle.write_text(json.dumps(d))
    with pytest.raises(VaultCorruptError, match=error) as info:
        Vault(tmp_path / "other.json", passphrase="x").import_bundle(bundle, "bundle pass")
    assert str(bundle) in str(info.value)
