import streamlit as st

from kpi.app import cache, session
from kpi.app import tables as views
from kpi.files.export import table_bytes
from kpi.formatting import format_integer, name_sort_key
from kpi.store.rights import rights_of
from kpi.vocabulary import MIME_TYPES, YES

SHOWN_ROWS = 5_000
DEMO_CHOICES = {"all": "Tất cả", "real": "Chỉ số liệu thật", "demo": "Chỉ dữ liệu minh họa"}

account = session.page_header("Dữ liệu")

readings = cache.readings_for_export()
if readings.empty:
    st.info("Chưa có số liệu nào. Nhập số liệu bằng biểu mẫu hoặc tải tệp lên.", icon=":material/info:")
    if rights_of(account).may_write:
        st.page_link("pages/entry.py", label="Nhập số liệu", icon=":material/edit_note:")
        st.page_link("pages/upload.py", label="Tải tệp lên", icon=":material/upload_file:")
    st.stop()

demo_count = int((readings["is_demo"] == YES).sum())
if demo_count:
    st.markdown(f"Có **{format_integer(len(readings))}** số liệu, trong đó **{format_integer(demo_count)}** "
                "là dữ liệu minh họa (được đánh dấu «có» ở cột dữ liệu minh họa của tệp tải về).")
else:
    st.markdown(f"Có **{format_integer(len(readings))}** số liệu, tất cả là số liệu thật (không có dữ liệu minh họa).")

localities = cache.localities()
indicators = cache.indicators()
locality_names = dict(zip(localities["code"], localities["name"]))
indicator_names = dict(zip(indicators["code"], indicators["name"]))
first, last = int(readings["year"].min()), int(readings["year"].max())

filters = st.columns([2, 3])
shown_localities = sorted(readings["locality_code"].unique(), key=lambda c: name_sort_key(locality_names.get(c, c)))
locality_codes = filters[0].multiselect("Địa phương", shown_localities,
                                        format_func=locality_names.get, placeholder="Tất cả địa phương", select_all=False,
                                        key="data_localities")
indicator_codes = filters[1].multiselect("Chỉ tiêu", indicators["code"].tolist(), format_func=indicator_names.get,
                                         placeholder="Tất cả chỉ tiêu", select_all=False,
                                         key="data_indicators")
more = st.columns([3, 2])
years = (first, last) if first == last else more[0].slider("Năm", first, last, (first, last), key="data_years")
demo = more[1].radio("Loại số liệu", list(DEMO_CHOICES), format_func=DEMO_CHOICES.get, horizontal=True, key="data_demo")

chosen = views.filter_readings(readings, locality_codes=locality_codes, indicator_codes=indicator_codes,
                               years=years, demo=demo)
st.caption(f"{format_integer(len(chosen))} số liệu khớp bộ lọc. Tệp tải về theo đúng mẫu tải lên "
           "(có thể sửa rồi tải lên lại), kèm tên, người nhập, thời điểm và dấu dữ liệu minh họa.")
downloads = st.columns(4)
for column, file_format in zip(downloads, ("xlsx", "csv")):
    column.download_button(f"Tải {file_format.upper()}", lambda f=file_format: table_bytes(chosen, f),
                           file_name=f"so_lieu.{file_format}", mime=MIME_TYPES[file_format], icon=":material/download:",
                           key=f"data_download_{file_format}", disabled=chosen.empty)
if len(chosen) > SHOWN_ROWS:
    st.caption(f"Bảng dưới đây hiển thị {format_integer(SHOWN_ROWS)} dòng đầu; tệp tải về có đủ mọi dòng.")
st.dataframe(views.readings_table(chosen.head(SHOWN_ROWS), indicators.set_index("code")["kind"]),
             hide_index=True)
