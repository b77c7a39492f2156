"""Quản trị: accounts, their roles and localities, passwords, disabling (admins only)."""

import streamlit as st

from kpi.app import access as access_views
from kpi.app import cache, choices, session, widgets
from kpi.problems import Rejected
from kpi.store import accounts as auth
from kpi.vocabulary import Role

FEEDBACK_KEY = "users_feedback"


def empty_create_form() -> dict:
    return {"users_new_name": "", "users_new_full_name": "", "users_new_contact": "", "users_new_role": Role.EDITOR,
            "users_new_localities": [], "users_new_password": "", "users_new_confirm": ""}


def report(section, action, success: str) -> bool:
    """Run one account change; remember its outcome for the section it came from."""
    try:
        action()
    except Rejected as rejected:
        st.session_state[FEEDBACK_KEY] = (section, False, [problem.message for problem in rejected.problems])
        return False
    st.session_state[FEEDBACK_KEY] = (section, True, [success])
    return True


def passwords_differ(section, password_key: str, confirm_key: str) -> bool:
    differ = st.session_state[password_key] != st.session_state[confirm_key]
    if differ:
        st.session_state[FEEDBACK_KEY] = (section, False, ["Hai lần nhập mật khẩu không khớp."])
    # Passwords are not kept in the session once used.
    st.session_state[password_key] = st.session_state[confirm_key] = ""
    return differ


def create() -> None:
    state = st.session_state
    name, role, codes, password = (state["users_new_name"], state["users_new_role"], state["users_new_localities"],
                                   state["users_new_password"])
    full_name, contact = state["users_new_full_name"], state["users_new_contact"]
    if passwords_differ("create", "users_new_password", "users_new_confirm"):
        return
    if report("create", lambda: auth.create_user(cache.engine(), name, password, role, codes, full_name=full_name,
                                                 contact=contact),
              f"Đã tạo tài khoản «{auth.normalize_name(name)}» ({auth.ROLE_LABELS.get(role, role)})."):
        state.update(empty_create_form())


def change_role(name: str, role_key: str, localities_key: str) -> None:
    role = st.session_state[role_key]
    report(("role", name), lambda: auth.set_role(cache.engine(), name, role, st.session_state[localities_key]),
           f"Đã đổi vai trò của «{name}» thành {auth.ROLE_LABELS[role]}.")


def reset_password(name: str, password_key: str, confirm_key: str) -> None:
    password = st.session_state[password_key]
    if not passwords_differ(("password", name), password_key, confirm_key):
        report(("password", name), lambda: auth.set_password(cache.engine(), name, password),
               f"Đã đặt mật khẩu mới cho «{name}».")


def change_profile(name: str, full_name_key: str, contact_key: str) -> None:
    full_name, contact = st.session_state[full_name_key], st.session_state[contact_key]
    report(("profile", name), lambda: auth.set_profile(cache.engine(), name, full_name, contact),
           f"Đã lưu họ tên và liên hệ của «{name}».")


def end_sessions(name: str) -> None:
    report(("active", name), lambda: auth.end_sessions(cache.engine(), name),
           f"Đã kết thúc mọi phiên đăng nhập của «{name}»: tài khoản này phải đăng nhập lại.")


def set_active(name: str, active: bool) -> None:
    if active:
        report(("active", name), lambda: auth.enable_user(cache.engine(), name), f"Đã kích hoạt lại tài khoản «{name}».")
    else:
        report(("active", name), lambda: auth.disable_user(cache.engine(), name),
               f"Đã vô hiệu hóa tài khoản «{name}»: tài khoản này không đăng nhập và không ghi được số liệu nữa.")


def feedback(section) -> None:
    """The outcome of the last change, next to the control that made it, once."""
    held = st.session_state.get(FEEDBACK_KEY)
    if held is None or held[0] != section:
        return
    del st.session_state[FEEDBACK_KEY]
    _, succeeded, messages = held
    for message in messages:
        if succeeded:
            st.success(widgets.plain(message), icon=":material/check_circle:")
        else:
            st.error(widgets.plain(message), icon=":material/error:")


account = session.page_header("Quản trị tài khoản", requires=session.ADMINISTER)
engine = cache.engine()
localities = cache.localities()
with_plan = choices.with_plan(localities)
names = dict(zip(localities["code"], localities["name"]))
roles = list(auth.ROLE_LABELS)

st.caption("Người xem chỉ xem; cán bộ nhập liệu nhập và tải tệp số liệu cho các địa phương được giao; quản trị viên "
           "làm mọi việc, quản lý tài khoản và phê duyệt số liệu. Không xóa tài khoản (tên người nhập còn trên số liệu), "
           f"chỉ vô hiệu hóa. Tên đăng nhập gồm {auth.NAME_ALPHABET}. Mật khẩu dài ít nhất {auth.MIN_PASSWORD_LENGTH} "
           "ký tự, không chứa tên đăng nhập, không phải một ký tự lặp lại hay mật khẩu phổ biến.")

users = auth.list_users(engine)
st.header("Các tài khoản", divider="gray")
st.dataframe(access_views.users_table(users, names), hide_index=True)

st.header("Tạo tài khoản", divider="gray")
feedback("create")
for key, default in empty_create_form().items():
    st.session_state.setdefault(key, default)
with st.form("users_create"):
    columns = st.columns(2)
    columns[0].text_input("Tên đăng nhập", max_chars=auth.MAX_NAME_LENGTH, key="users_new_name",
                          help=f"Gồm {auth.NAME_ALPHABET}; không phân biệt chữ hoa, chữ thường.")
    columns[1].selectbox("Vai trò", roles, format_func=auth.ROLE_LABELS.get, key="users_new_role")
    columns = st.columns(2)
    columns[0].text_input("Họ và tên", max_chars=auth.MAX_FULL_NAME_LENGTH, key="users_new_full_name",
                          help="Hiện bên cạnh tên đăng nhập trong lịch sử nhập liệu và phê duyệt.")
    columns[1].text_input("Liên hệ (không bắt buộc)", max_chars=auth.MAX_CONTACT_LENGTH, key="users_new_contact",
                          help="Số điện thoại hoặc thư điện tử.")
    st.multiselect("Địa phương được giao (chỉ cho cán bộ nhập liệu)", with_plan["code"].tolist(), format_func=names.get,
                   placeholder="Chọn địa phương", select_all=False, key="users_new_localities")
    columns = st.columns(2)
    columns[0].text_input("Mật khẩu", type="password", max_chars=auth.MAX_PASSWORD_LENGTH, key="users_new_password")
    columns[1].text_input("Nhập lại mật khẩu", type="password", max_chars=auth.MAX_PASSWORD_LENGTH,
                          key="users_new_confirm")
    st.form_submit_button("Tạo tài khoản", type="primary", on_click=create)

st.header("Sửa một tài khoản", divider="gray")
chosen = st.selectbox("Tài khoản", users["name"].tolist(), key="users_chosen")
target = auth.get_account(engine, chosen)
is_self = target.id == account.id
st.markdown(f"**{widgets.plain(target.label)}** — {auth.ROLE_LABELS[target.role]}, "
            f"{'đang hoạt động' if target.active else 'đã vô hiệu hóa'}.")

with st.form(f"users_profile_{target.id}"):
    full_name_key, contact_key = f"users_profile_{target.id}_full_name", f"users_profile_{target.id}_contact"
    columns = st.columns(2)
    columns[0].text_input("Họ và tên", value=target.full_name, max_chars=auth.MAX_FULL_NAME_LENGTH, key=full_name_key)
    columns[1].text_input("Liên hệ (không bắt buộc)", value=target.contact, max_chars=auth.MAX_CONTACT_LENGTH,
                          key=contact_key)
    st.form_submit_button("Lưu họ tên và liên hệ", on_click=change_profile, args=(target.name, full_name_key, contact_key))
    feedback(("profile", target.name))

role_column, password_column = st.columns(2)
with role_column, st.form(f"users_role_{target.id}"):
    st.markdown("**Vai trò và địa phương được giao**")
    role_key, localities_key = f"users_role_{target.id}_role", f"users_role_{target.id}_localities"
    st.selectbox("Vai trò", roles, index=roles.index(target.role), format_func=auth.ROLE_LABELS.get, key=role_key)
    # Localities given earlier by the CLI may have no plan; they stay listed so that they can be removed.
    choices = with_plan["code"].tolist() + [code for code in target.localities if code not in set(with_plan["code"])]
    st.multiselect("Địa phương được giao (chỉ cho cán bộ nhập liệu)", choices, default=list(target.localities),
                   format_func=lambda code: names.get(code, code), placeholder="Chọn địa phương", select_all=False,
                   key=localities_key)
    st.form_submit_button("Lưu vai trò", on_click=change_role, args=(target.name, role_key, localities_key))
    feedback(("role", target.name))
with password_column, st.form(f"users_password_{target.id}"):
    st.markdown("**Đặt lại mật khẩu**")
    password_key, confirm_key = f"users_password_{target.id}_new", f"users_password_{target.id}_confirm"
    st.text_input("Mật khẩu mới", type="password", max_chars=auth.MAX_PASSWORD_LENGTH, key=password_key)
    st.text_input("Nhập lại mật khẩu mới", type="password", max_chars=auth.MAX_PASSWORD_LENGTH, key=confirm_key)
    st.form_submit_button("Đặt mật khẩu", on_click=reset_password, args=(target.name, password_key, confirm_key))
    feedback(("password", target.name))

if target.active:
    st.button("Vô hiệu hóa tài khoản này", disabled=is_self, on_click=set_active, args=(target.name, False),
              icon=":material/person_off:", key="users_disable",
              help="Không tự vô hiệu hóa tài khoản đang đăng nhập." if is_self else None)
else:
    st.button("Kích hoạt lại tài khoản này", on_click=set_active, args=(target.name, True),
              icon=":material/person_check:", key="users_enable")
open_sessions = int(users.loc[users["name"] == target.name, "sessions"].iloc[0])
st.button(f"Kết thúc mọi phiên đăng nhập ({open_sessions})", on_click=end_sessions, args=(target.name,),
          icon=":material/logout:", key="users_end_sessions", disabled=not open_sessions,
          help="Ví dụ khi mất máy hay quên đăng xuất trên máy dùng chung: tài khoản phải đăng nhập lại.")
feedback(("active", target.name))
