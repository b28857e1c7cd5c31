"""Opens a CityKit store with an independent SQLCipher build, given only the passphrase.

This is the procedure README.md documents ("Opening the store yourself"): read the KDF
parameters next to the store, derive the key with PBKDF2-HMAC-SHA256, and give it to SQLCipher
as a raw key. Usage: independent_reader.py DATA_DIR PASSPHRASE
"""
import hashlib
import json
import pathlib
import sys

import sqlcipher3


def open_store(data_dir: pathlib.Path, passphrase: str):
    params = json.loads((data_dir / "citykit.kdf.json").read_text())
    assert params["kdf"] == "PBKDF2-HMAC-SHA256", params
    key = hashlib.pbkdf2_hmac(
        "sha256", passphrase.encode("utf-8"), bytes.fromhex(params["salt_hex"]), params["iterations"], params["key_length"]
    )
    conn = sqlcipher3.connect(str(data_dir / "citykit.db"))
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    return conn


def main() -> int:
    data_dir, passphrase = pathlib.Path(sys.argv[1]), sys.argv[2]
    passed = failed = 0

    def check(name, fn):
        nonlocal passed, failed
        try:
            fn()
            print(f"ok   {name}")
            passed += 1
        except Exception as e:  # noqa: BLE001 - report every failure, keep going
            print(f"FAIL {name}: {e!r}")
            failed += 1

    def reads_with_the_passphrase():
        conn = open_store(data_dir, passphrase)
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        assert version >= 2, version
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"records", "device_keys"} <= tables, tables
        assert conn.execute("SELECT count(*) FROM device_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    def refuses_another_passphrase():
        conn = open_store(data_dir, passphrase + "!")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError:
            return
        raise AssertionError("a wrong passphrase opened the store")

    check("an independent SQLCipher reads the store with the passphrase", reads_with_the_passphrase)
    check("an independent SQLCipher refuses another passphrase", refuses_another_passphrase)
    print(f"independent reader: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
