"""Accounts: hashing, users, login and its throttling, first-run admin, the `user` CLI commands."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from kpi.problems import Rejected
from kpi.store import accounts as auth
from kpi.store.accounts import LoginRefused, authenticate, create_user
from kpi.store.db import read_session
from kpi.store.models import User, utc_now

PASSWORD = "mật khẩu đủ dài 1"
OTHER_PASSWORD = "một mật khẩu khác 2"


def refusal(engine, name, password, **kwargs) -> LoginRefused:
    with pytest.raises(LoginRefused) as refused:
        authenticate(engine, name, password, **kwargs)
    return refused.value


def messages(rejected) -> str:
    return "\n".join(p.message for p in rejected.value.problems)


def test_hash_is_argon2id_not_the_password_and_verifies():
    hashed = auth.hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$")
    assert PASSWORD not in hashed
    assert hashed != auth.hash_password(PASSWORD), "each hash has its own salt"
    assert auth.verify_password(hashed, PASSWORD)
    assert not auth.verify_password(hashed, OTHER_PASSWORD)
    assert not auth.verify_password("not a hash", PASSWORD)


def test_the_password_is_nowhere_in_the_database_file(engine, database_url):
    create_user(engine, "canbo", PASSWORD, "viewer")
    with read_session(engine) as session:
        stored = session.execute(select(User.password_hash)).scalar_one()
    assert stored != PASSWORD and auth.verify_password(stored, PASSWORD)
    engine.dispose()
    data = b"".join(path.read_bytes() for path in database_files(database_url))
    assert PASSWORD.encode() not in data


def database_files(database_url):
    base = Path(database_url.removeprefix("sqlite:///"))
    return [p for p in (base, base.with_name(base.name + "-wal")) if p.exists()]


def test_has_users_is_false_on_a_fresh_database_and_true_after_the_first_admin(engine):
    assert auth.has_users(engine) is False
    account = auth.create_first_admin(engine, "Quan_Tri", PASSWORD)
    assert (account.name, account.role) == ("quan_tri", "admin")
    assert auth.has_users(engine) is True


def test_first_admin_is_refused_once_any_account_exists(engine):
    create_user(engine, "xem", PASSWORD, "viewer")
    with pytest.raises(Rejected) as rejected:
        auth.create_first_admin(engine, "admin", PASSWORD)
    assert "Đã có tài khoản" in messages(rejected)
    assert list(auth.list_users(engine)["name"]) == ["xem"]


@pytest.mark.parametrize("password", ["", "ngắn", "123456789"])
def test_a_short_password_is_refused_and_nothing_is_created(engine, password):
    with pytest.raises(Rejected) as rejected:
        create_user(engine, "canbo", password, "viewer")
    assert f"ít nhất {auth.MIN_PASSWORD_LENGTH} ký tự" in messages(rejected)
    assert not auth.has_users(engine)


@pytest.mark.parametrize("name, role, localities, expected", [
    ("", "viewer", [], "Thiếu tên đăng nhập"),
    ("hai tu", "viewer", [], "chỉ được gồm chữ cái Latinh không dấu"),
    ("quantr\u0456", "viewer", [], "chỉ được gồm chữ cái Latinh không dấu"),
    ("nguyễn", "viewer", [], "chỉ được gồm chữ cái Latinh không dấu"),
    ("demo", "viewer", [], "dành cho hệ thống"),
    ("boss", "chief", [], "Vai trò «chief» không có"),
    ("bientap", "editor", [], "ít nhất một địa phương"),
    ("bientap", "editor", ["HA_NOI"], "Không có địa phương với mã «HA_NOI»"),
    ("xem", "viewer", ["LAC_PHUONG"], "Chỉ tài khoản «Cán bộ nhập liệu» mới gắn với địa phương"),
])
def test_invalid_accounts_are_refused_in_vietnamese(engine, name, role, localities, expected):
    with pytest.raises(Rejected) as rejected:
        create_user(engine, name, PASSWORD, role, localities)
    assert expected in messages(rejected)
    assert not auth.has_users(engine)


def test_names_are_unique_whatever_their_case(engine):
    create_user(engine, "NguyenVanA", PASSWORD, "viewer")
    with pytest.raises(Rejected) as rejected:
        create_user(engine, " nguyenvana ", PASSWORD, "viewer")
    assert "«nguyenvana» đã có" in messages(rejected)
    assert authenticate(engine, "NGUYENVANA", PASSWORD).name == "nguyenvana"


def test_login_returns_the_account_with_its_localities(engine):
    create_user(engine, "bientap", PASSWORD, "editor", ["NHI_CHIEU", "LAC_PHUONG"])
    account = authenticate(engine, "bientap", PASSWORD)
    assert (account.role, account.localities, account.active) == ("editor", ("LAC_PHUONG", "NHI_CHIEU"), True)
    users = auth.list_users(engine)
    assert users.loc[0, "localities"] == "LAC_PHUONG, NHI_CHIEU"
    assert users.loc[0, "role_label"] == "Cán bộ nhập liệu"
    assert users.loc[0, "last_login_at"] is not None


def test_wrong_password_unknown_name_and_disabled_account_get_the_same_refusal(engine):
    create_user(engine, "admin", PASSWORD, "admin")
    create_user(engine, "bientap", PASSWORD, "editor", ["LAC_PHUONG"])
    auth.disable_user(engine, "bientap")
    wrong = refusal(engine, "admin", OTHER_PASSWORD)
    unknown = refusal(engine, "khong_co", PASSWORD)
    disabled = refusal(engine, "bientap", PASSWORD)
    assert wrong.message == unknown.message == disabled.message == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert authenticate(engine, "admin", PASSWORD).name == "admin"


def test_repeated_failures_slow_the_name_down_then_let_it_in_after_the_delay(engine):
    create_user(engine, "admin", PASSWORD, "admin")
    start = utc_now()
    for attempt in range(auth.FREE_FAILURES):
        refusal(engine, "admin", OTHER_PASSWORD, now=start + timedelta(seconds=attempt))
    last = start + timedelta(seconds=auth.FREE_FAILURES - 1)
    throttled = refusal(engine, "admin", PASSWORD, now=last + timedelta(seconds=10))
    assert throttled.retry_after_seconds == 20
    assert "thử lại sau 20 giây" in throttled.message
    assert authenticate(engine, "admin", PASSWORD, now=last + auth.FIRST_DELAY).name == "admin"
    # A success clears the count: the next failure is free again.
    assert refusal(engine, "admin", OTHER_PASSWORD, now=last + auth.FIRST_DELAY).retry_after_seconds == 0


def test_the_delay_doubles_and_unknown_names_are_slowed_down_the_same_way(engine):
    create_user(engine, "admin", PASSWORD, "admin")
    start = utc_now()
    for name in ("admin", "khong_co"):
        for _attempt in range(auth.FREE_FAILURES):
            refusal(engine, name, OTHER_PASSWORD, now=start)
        after_first_delay = start + auth.FIRST_DELAY
        refusal(engine, name, OTHER_PASSWORD, now=after_first_delay)
        assert refusal(engine, name, OTHER_PASSWORD, now=after_first_delay).retry_after_seconds == 60


def test_set_password_replaces_the_old_one(engine):
    create_user(engine, "xem", PASSWORD, "viewer")
    auth.set_password(engine, "xem", OTHER_PASSWORD)
    refusal(engine, "xem", PASSWORD)
    assert authenticate(engine, "xem", OTHER_PASSWORD).name == "xem"
    with pytest.raises(Rejected):
        auth.set_password(engine, "xem", "ngắn")
    assert authenticate(engine, "xem", OTHER_PASSWORD).name == "xem"


def test_the_last_active_admin_can_be_neither_disabled_nor_demoted(engine):
    create_user(engine, "admin", PASSWORD, "admin")
    with pytest.raises(Rejected) as rejected:
        auth.disable_user(engine, "admin")
    assert "quản trị viên cuối cùng" in messages(rejected)
    with pytest.raises(Rejected):
        auth.set_role(engine, "admin", "viewer")
    create_user(engine, "admin2", PASSWORD, "admin")
    auth.disable_user(engine, "admin")
    assert auth.get_account(engine, "admin").active is False
    auth.enable_user(engine, "admin")
    assert authenticate(engine, "admin", PASSWORD).active


def test_set_role_changes_role_and_localities(engine):
    create_user(engine, "canbo", PASSWORD, "viewer")
    account = auth.set_role(engine, "canbo", "editor", ["NHI_CHIEU"])
    assert (account.role, account.localities) == ("editor", ("NHI_CHIEU",))
    assert auth.get_account(engine, "canbo").localities == ("NHI_CHIEU",)
    assert auth.set_role(engine, "canbo", "viewer").localities == ()
    assert auth.get_account(engine, "canbo").localities == ()


def test_cli_user_commands_read_the_password_from_stdin_and_never_print_it(engine, run_cli):
    added = run_cli("user", "add", "BienTap", "--role", "editor", "--locality", "LAC_PHUONG", "NHI_CHIEU",
                    stdin=PASSWORD + "\n")
    assert added.returncode == 0, added.stderr
    assert "Đã tạo tài khoản «bientap»" in added.stdout
    assert authenticate(engine, "bientap", PASSWORD).localities == ("LAC_PHUONG", "NHI_CHIEU")

    listed = run_cli("user", "list")
    assert "bientap: Cán bộ nhập liệu (editor), đang hoạt động — phụ trách: LAC_PHUONG, NHI_CHIEU" in listed.stdout

    changed = run_cli("user", "set-password", "bientap", stdin=OTHER_PASSWORD + "\n")
    assert changed.returncode == 0, changed.stderr
    assert authenticate(engine, "bientap", OTHER_PASSWORD).name == "bientap"

    disabled = run_cli("user", "disable", "bientap")
    assert disabled.returncode == 0 and auth.get_account(engine, "bientap").active is False
    refusal(engine, "bientap", OTHER_PASSWORD)
    for output in (added, listed, changed, disabled):
        assert PASSWORD not in output.stdout + output.stderr
        assert OTHER_PASSWORD not in output.stdout + output.stderr


def test_cli_refuses_a_short_password_or_an_unknown_account(engine, run_cli):
    short = run_cli("user", "add", "xem", "--role", "viewer", stdin="ngắn\n")
    assert short.returncode == 1
    assert "Mật khẩu phải có ít nhất 10 ký tự" in short.stderr and "ngắn" not in short.stderr
    missing = run_cli("user", "set-password", "khong_co", stdin=PASSWORD + "\n")
    assert missing.returncode == 1 and "Không có tài khoản «khong_co»" in missing.stderr
    assert not auth.has_users(engine)


def test_failures_are_forgotten_after_a_day(engine):
    create_user(engine, "admin", PASSWORD, "admin")
    start = utc_now()
    for _ in range(auth.FREE_FAILURES + 3):
        refusal(engine, "admin", OTHER_PASSWORD, now=start)
    next_day = start + auth.FORGET_FAILURES_AFTER + timedelta(seconds=1)
    assert refusal(engine, "admin", OTHER_PASSWORD, now=next_day).retry_after_seconds == 0
    assert authenticate(engine, "admin", PASSWORD, now=next_day + timedelta(seconds=1)).name == "admin"


@pytest.mark.parametrize("password, expected", [
    ("aaaaaaaaaa", "một ký tự lặp lại"),
    (" " * 10, "một ký tự lặp lại"),
    ("nguyenvana", "chứa tên đăng nhập"),
    ("NguyenVanA2026", "chứa tên đăng nhập"),
    ("1234567890", "mật khẩu phổ biến"),
    ("Password123", "mật khẩu phổ biến"),
])
def test_weak_passwords_are_refused_with_the_reason(engine, password, expected):
    with pytest.raises(Rejected) as rejected:
        create_user(engine, "nguyenvana", password, "admin")
    assert expected in messages(rejected)
    create_user(engine, "nguyenvana", PASSWORD, "admin")
    with pytest.raises(Rejected) as rejected:
        auth.set_password(engine, "nguyenvana", password)
    assert expected in messages(rejected)


def test_login_names_are_nfkc_normalised_so_a_full_width_name_is_the_same_account(engine):
    create_user(engine, "quantri", PASSWORD, "admin")
    with pytest.raises(Rejected) as rejected:
        create_user(engine, "ｑｕａｎｔｒｉ", PASSWORD, "viewer")
    assert "«quantri» đã có" in messages(rejected)
    assert authenticate(engine, "ＱＵＡＮＴＲＩ", PASSWORD).name == "quantri"


def test_one_address_trying_many_names_is_slowed_down(engine):
    start = utc_now()
    for attempt in range(auth.FREE_ADDRESS_FAILURES):
        refusal(engine, f"ten{attempt}", PASSWORD, address="203.0.113.9", now=start)
    throttled = refusal(engine, "ten_moi", PASSWORD, address="203.0.113.9", now=start)
    assert "Máy này đã đăng nhập sai nhiều lần" in throttled.message
    assert throttled.retry_after_seconds == auth.FIRST_DELAY.total_seconds()
    # Another machine is not slowed by it.
    assert refusal(engine, "ten_moi", PASSWORD, address="198.51.100.7", now=start).retry_after_seconds == 0


def test_a_stranger_failing_on_a_name_never_delays_the_owners_right_password(engine):
    create_user(engine, "admin", PASSWORD, "admin")
    start = utc_now()
    for _attempt in range(auth.FREE_FAILURES + 3):
        refusal(engine, "admin", OTHER_PASSWORD, address="203.0.113.9", now=start)
    assert refusal(engine, "admin", PASSWORD, address="203.0.113.9", now=start).retry_after_seconds > 0
    assert authenticate(engine, "admin", PASSWORD, address="198.51.100.7", now=start).name == "admin"


def test_full_name_and_contact_are_kept_checked_and_shown_beside_the_login_name(engine):
    create_user(engine, "nva", PASSWORD, "admin", full_name="Nguyễn Văn A", contact="0912 345 678")
    assert auth.get_account(engine, "nva").label == "Nguyễn Văn A (nva)"
    assert auth.people(engine) == {"nva": "Nguyễn Văn A (nva), 0912 345 678"}
    with pytest.raises(Rejected) as rejected:
        auth.set_profile(engine, "nva", "x" * (auth.MAX_FULL_NAME_LENGTH + 1), "")
    assert "Họ và tên không được dài quá" in messages(rejected)
    assert auth.set_profile(engine, "nva", "Trần Thị B", "").label == "Trần Thị B (nva)"


def test_changing_ones_own_password_needs_the_old_one(engine):
    account = create_user(engine, "nva", PASSWORD, "admin")
    with pytest.raises(Rejected) as rejected:
        auth.change_own_password(engine, account.id, "không phải mật khẩu", OTHER_PASSWORD)
    assert "Mật khẩu hiện tại không đúng" in messages(rejected)
    with pytest.raises(Rejected) as rejected:
        auth.change_own_password(engine, account.id, PASSWORD, PASSWORD)
    assert "phải khác mật khẩu hiện tại" in messages(rejected)
    auth.change_own_password(engine, account.id, PASSWORD, OTHER_PASSWORD)
    assert authenticate(engine, "nva", OTHER_PASSWORD).name == "nva"
