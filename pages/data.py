import streamlit as st

from kpi.app import cache, session
from kpi.app import tables as views
from kpi.files.export import readings_file
from kpi.formatting import format_integer, name_sort_key
from kpi.store.queries import ReadingFilter
from kpi.store.rights import rights_of
from kpi.vocabulary import MIME_TYPES

SHOWN_ROWS = 5_000
DEMO_CHOICES = {"all": "Tất cả", "real": "Chỉ số liệu thật", "demo": "Chỉ dữ liệu minh họa"}

account = session.page_header("Dữ liệu")

stored = cache.stored_readings()
if not stored.count:
    st.info("Chưa có số liệu nào. Nhập số liệu bằng biểu mẫu hoặc tải tệp lên.", icon=":material/info:")
    if rights_of(account).may_write:
        st.page_link("pages/entry.py", label="Nhập số liệu", icon=":material/edit_note:")
        st.page_link("pages/upload.py", label="Tải tệp lên", icon=":material/upload_file:")
    st.stop()

if stored.demo_count:
    st.markdown(f"Có **{format_integer(stored.count)}** số liệu, trong đó **{format_integer(stored.demo_count)}** "
                "là dữ liệu minh họa (được đánh dấu «có» ở cột dữ liệu minh họa của tệp tải về).")
else:
    st.markdown(f"Có **{format_integer(stored.count)}** số liệu, tất cả là số liệu thật (không có dữ liệu minh họa).")

localities = cache.localities()
indicators = cache.indicators()
locality_names = dict(zip(localities["code"], localities["name"]))
indicator_names = dict(zip(indicators["code"], indicators["name"]))
first, last = stored.first_year, stored.last_year

filters = st.columns([2, 3])
shown_localities = sorted(stored.locality_codes, key=lambda c: name_sort_key(locality_names.get(c, c)))
locality_codes = filters[0].multiselect("Địa phương", shown_localities,
                                        format_func=locality_names.get, placeholder="Tất cả địa phương", select_all=False,
                                        key="data_localities")
indicator_codes = filters[1].multiselect("Chỉ tiêu", indicators["code"].tolist(), format_func=indicator_names.get,
                                         placeholder="Tất cả chỉ tiêu", select_all=False,
                                         key="data_indicators")
more = st.columns([3, 2])
years = (first, last) if first == last else more[0].slider("Năm", first, last, (first, last), key="data_years")
demo = more[1].radio("Loại số liệu", list(DEMO_CHOICES), format_func=DEMO_CHOICES.get, horizontal=True, key="data_demo")

chosen = ReadingFilter(tuple(locality_codes), tuple(indicator_codes), years, demo)
matched = cache.reading_count(chosen)
st.caption(f"{format_integer(matched)} số liệu khớp bộ lọc. Tệp tải về theo đúng mẫu tải lên "
           "(có thể sửa rồi tải lên lại), kèm tên, người nhập, thời điểm và dấu dữ liệu minh họa.")
downloads = st.columns(4)
for column, file_format in zip(downloads, ("xlsx", "csv")):
    # Read when pressed: the file holds every reading the filter covers, the table below only the first ones.
    column.download_button(f"Tải {file_format.upper()}",
                           lambda f=file_format: readings_file(cache.engine(), f, chosen),
                           file_name=f"so_lieu.{file_format}", mime=MIME_TYPES[file_format], icon=":material/download:",
                           key=f"data_download_{file_format}", disabled=not matched)
if matched > SHOWN_ROWS:
    st.caption(f"Bảng dưới đây hiển thị {format_integer(SHOWN_ROWS)} dòng đầu; tệp tải về có đủ mọi dòng.")
st.dataframe(views.readings_table(cache.readings_listed(chosen, SHOWN_ROWS), indicators.set_index("code")["kind"]),
             hide_index=True)
