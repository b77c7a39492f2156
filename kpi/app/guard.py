"""The one guard around every page: an error nobody foresaw is logged with its traceback (the server's
log) and the person sees a Vietnamese sentence with a reference, never a traceback or a server path."""

import streamlit as st

from kpi.errors import log_unexpected

UNEXPECTED_MESSAGE = ("Đã có lỗi không lường trước khi hiển thị trang này (mã lỗi {reference}); chưa có gì bị ghi dở "
                      "dang. Hãy tải lại trang; nếu lỗi còn, báo cho quản trị hệ thống kèm mã lỗi.")


def run_page(page) -> None:
    """Run the page chosen by st.navigation. Streamlit's own st.stop and st.rerun are BaseExceptions
    and pass through."""
    try:
        page.run()
    except Exception:
        reference = log_unexpected(f"hiển thị trang «{getattr(page, 'title', '')}»")
        st.error(UNEXPECTED_MESSAGE.format(reference=reference), icon=":material/error:")
