"""`python -m kpi`: argument parsing and printing only; the work is done by the kpi modules."""

import argparse
import json
import math
import sys
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from kpi import formatting as fmt
from kpi import queries
from kpi.assess import assess
from kpi.backup import BackupError, backup, restore
from kpi.catalog import add_localities, load_catalog
from kpi.db import make_engine
from kpi.demo import load_demo
from kpi.exporting import readings_export, write_table
from kpi.presentation import describe_statuses
from kpi.problems import Rejected
from kpi.readings import delete_demo

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


class VietnameseParser(argparse.ArgumentParser):
    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"Lỗi cú pháp lệnh: {message}\nXem hướng dẫn: {self.prog} --help\n")


def build_parser() -> argparse.ArgumentParser:
    parser = VietnameseParser(prog="python -m kpi", description="Theo dõi chỉ tiêu “thượng tôn và tuân thủ pháp luật” đến năm 2030.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="LỆNH", parser_class=VietnameseParser)

    commands.add_parser("init", help="tạo hoặc nâng cấp cơ sở dữ liệu và nạp danh mục (chạy lại an toàn)")

    localities = commands.add_parser("localities", help="thêm hoặc cập nhật địa phương từ tệp (theo mẫu data/localities.csv)")
    localities.add_argument("file", type=Path, metavar="TỆP")

    demo = commands.add_parser("demo", help="thêm số liệu minh họa cho các địa phương mẫu (chạy lại an toàn)")
    demo.add_argument("--remove", action="store_true", help="xóa toàn bộ số liệu minh họa")

    progress = commands.add_parser("progress", help="đánh giá tiến độ các chỉ tiêu tính đến một năm")
    progress.add_argument("--year", type=int, required=True, metavar="NĂM")
    progress.add_argument("--locality", metavar="MÃ", help="một địa phương (địa phương cấp trên gồm cả số liệu tổng hợp và cấp dưới)")
    progress.add_argument("--json", action="store_true", help="in kết quả dạng JSON")

    export = commands.add_parser("export", help="xuất toàn bộ số liệu ra tệp .csv hoặc .xlsx")
    export.add_argument("file", type=Path, metavar="TỆP")

    backup_command = commands.add_parser("backup", help="sao lưu cơ sở dữ liệu (kể cả khi đang có người ghi)")
    backup_command.add_argument("file", type=Path, metavar="TỆP")

    restore_command = commands.add_parser("restore", help="khôi phục bản sao lưu vào một cơ sở dữ liệu trống")
    restore_command.add_argument("file", type=Path, metavar="TỆP")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    engine = make_engine()
    try:
        return COMMANDS[args.command](engine, args)
    except Rejected as rejected:
        print("Không thực hiện được, chưa ghi gì vào cơ sở dữ liệu:", file=sys.stderr)
        for problem in rejected.problems:
            print(f"- {problem}", file=sys.stderr)
        return EXIT_REJECTED
    finally:
        engine.dispose()


def run_init(engine: Engine, args) -> int:
    load_catalog(engine)
    print(f"Đã khởi tạo cơ sở dữ liệu: {len(queries.indicators(engine))} chỉ tiêu, "
          f"{len(queries.plans(engine))} kế hoạch, {len(queries.localities(engine))} địa phương.")
    return EXIT_OK


def run_localities(engine: Engine, args) -> int:
    if not args.file.is_file():
        print(f"Không tìm thấy tệp: {args.file}", file=sys.stderr)
        return EXIT_USAGE
    count = add_localities(engine, args.file.read_bytes(), args.file.name)
    print(f"Đã thêm hoặc cập nhật {fmt.format_integer(count)} địa phương.")
    return EXIT_OK


def run_demo(engine: Engine, args) -> int:
    if args.remove:
        print(f"Đã xóa {fmt.format_integer(delete_demo(engine))} số liệu minh họa.")
        return EXIT_OK
    result = load_demo(engine)
    print(f"Số liệu minh họa (được đánh dấu là dữ liệu minh họa): {_counts_text(result)}.")
    return EXIT_OK


def run_progress(engine: Engine, args) -> int:
    if args.locality and args.locality not in set(queries.localities(engine)["code"]):
        print(f"Không có địa phương với mã «{args.locality}».", file=sys.stderr)
        return EXIT_USAGE
    assessment = assess(engine, args.year, args.locality)
    if args.json:
        print(json.dumps(_json_records(assessment.statuses), ensure_ascii=False, indent=1))
        return EXIT_OK
    described = describe_statuses(assessment)
    if described.empty:
        print("Chưa có địa phương nào có kế hoạch trong phạm vi này.")
    for _, group in described.groupby("locality_name", sort=False):
        first = group.iloc[0]
        heading = f"{first.locality_name} ({first.locality_code})"
        if first.is_aggregate:
            heading += " — số liệu tổng hợp từ các địa phương cấp dưới"
        print(f"\n{heading} — đánh giá tính đến năm {args.year}")
        print(_plain_table(group))
    demo_count = queries.demo_reading_count(engine)
    if demo_count:
        print(f"\nLưu ý: cơ sở dữ liệu có {fmt.format_integer(demo_count)} số liệu minh họa (dữ liệu demo, không phải số liệu thật).")
    return EXIT_OK


def run_export(engine: Engine, args) -> int:
    if args.file.suffix.lower() not in (".csv", ".xlsx"):
        print("Tệp xuất phải có đuôi .csv hoặc .xlsx.", file=sys.stderr)
        return EXIT_USAGE
    frame = readings_export(engine)
    write_table(frame, args.file)
    print(f"Đã xuất {fmt.format_integer(len(frame))} số liệu ra {args.file}.")
    return EXIT_OK


def run_backup(engine: Engine, args) -> int:
    try:
        backup(engine, args.file)
    except BackupError as error:
        print(f"Không sao lưu được: {error}", file=sys.stderr)
        return EXIT_REJECTED
    print(f"Đã sao lưu cơ sở dữ liệu vào {args.file}.")
    return EXIT_OK


def run_restore(engine: Engine, args) -> int:
    if not args.file.is_file():
        print(f"Không tìm thấy tệp: {args.file}", file=sys.stderr)
        return EXIT_USAGE
    try:
        count = restore(engine, args.file)
    except BackupError as error:
        print(f"Không khôi phục được: {error}", file=sys.stderr)
        return EXIT_REJECTED
    print(f"Đã khôi phục cơ sở dữ liệu từ {args.file}: {fmt.format_integer(count)} số liệu.")
    return EXIT_OK


COMMANDS = {
    "init": run_init,
    "localities": run_localities,
    "demo": run_demo,
    "progress": run_progress,
    "export": run_export,
    "backup": run_backup,
    "restore": run_restore,
}


def _counts_text(result) -> str:
    return (f"{fmt.format_integer(result.created)} tạo mới, {fmt.format_integer(result.updated)} cập nhật, "
            f"{fmt.format_integer(result.unchanged)} không đổi")


def _plain_table(group: pd.DataFrame) -> str:
    columns = [("indicator_name", "Chỉ tiêu", 58), ("latest_year_text", "Năm", 4), ("value_text", "Giá trị", 15),
               ("target_text", "Mục tiêu", 14), ("projection_text", "Dự báo 2030", 11),
               ("status_label", "Đánh giá", 15), ("completeness_text", "Báo cáo", 14)]
    lines = ["  ".join(title.ljust(width) for _, title, width in columns)]
    lines.append("  ".join("-" * width for _, _, width in columns))
    for row in group.itertuples():
        cells = []
        for name, _, width in columns:
            text = str(getattr(row, name))
            cells.append((text[: width - 1] + "…" if len(text) > width else text).ljust(width))
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _json_records(statuses: pd.DataFrame) -> list[dict]:
    records = []
    for record in statuses[list(_JSON_FIELDS)].to_dict("records"):
        records.append({key: _json_value(record[key], cast) for key, cast in _JSON_FIELDS.items()})
    return records


_JSON_FIELDS = {
    "locality_code": str, "indicator_code": str, "as_of": int, "latest_year": int, "value": float,
    "numerator": int, "denominator": int, "target": float, "comparator": str, "status": str,
    "projected_2030": float, "reported": int, "expected": int,
}


def _json_value(value, cast):
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return cast(value)
