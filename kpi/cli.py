"""`python -m kpi`: argument parsing and printing only; the work is done by the kpi modules."""

import argparse
import gc
import getpass
import sys
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from kpi import formatting as fmt
from kpi.engine.assess import assess
from kpi.engine.describe import describe_statuses
from kpi.problems import Problem, Rejected
from kpi.store import queries
from kpi.store.db import make_engine
from kpi.vocabulary import Role

# Every other kpi module is imported by the command that needs it: importing them all (openpyxl,
# argon2, the report writers) cost each command, an import of 100,000 rows included, a second or more.

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
CLI_USER = "dòng lệnh"


# argparse words its errors in English; these are the phrases an official can meet.
ARGPARSE_PHRASES = {
    "the following arguments are required": "thiếu tham số bắt buộc",
    "invalid choice": "lựa chọn không hợp lệ",
    "invalid int value": "không phải số nguyên",
    "unrecognized arguments": "tham số không hiểu được",
    "expected one argument": "cần một giá trị",
    "argument ": "tham số ",
}


class VietnameseParser(argparse.ArgumentParser):
    def error(self, message: str):
        for english, vietnamese in ARGPARSE_PHRASES.items():
            message = message.replace(english, vietnamese)
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"Lỗi cú pháp lệnh: {message}\nXem hướng dẫn: {self.prog} --help\n")


def existing_file(text: str) -> Path:
    """An input file, checked while parsing so a missing one is a usage error (exit 2) in every command."""
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"Không tìm thấy tệp: {text}")
    return path


def build_parser() -> argparse.ArgumentParser:
    parser = VietnameseParser(prog="python -m kpi", description="Theo dõi chỉ tiêu “thượng tôn và tuân thủ pháp luật” đến năm 2030.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="LỆNH", parser_class=VietnameseParser)

    commands.add_parser("init", help="tạo hoặc nâng cấp cơ sở dữ liệu và nạp danh mục (chạy lại an toàn)")

    localities = commands.add_parser("localities", help="thêm hoặc cập nhật địa phương từ tệp (theo mẫu data/localities.csv)")
    localities.add_argument("file", type=existing_file, metavar="TỆP")

    demo = commands.add_parser("demo", help="thêm số liệu minh họa cho các địa phương mẫu (chạy lại an toàn)")
    demo.add_argument("--remove", action="store_true", help="xóa toàn bộ số liệu minh họa")

    import_command = commands.add_parser("import", help="kiểm tra và nhập số liệu từ tệp .csv hoặc .xlsx (tất cả hoặc không gì cả)")
    import_command.add_argument("file", type=existing_file, metavar="TỆP")
    import_command.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra và đếm, không ghi gì")
    import_command.add_argument("--user", metavar="TÊN", help="nhập dưới tài khoản này, theo quyền của nó, và ghi "
                                "nhận số liệu là của nó; không ghi thì nhập với tư cách hệ thống (dòng lệnh)")

    progress = commands.add_parser("progress", help="đánh giá tiến độ các chỉ tiêu tính đến một năm")
    progress.add_argument("--year", type=int, required=True, metavar="NĂM")
    progress.add_argument("--locality", metavar="MÃ", help="một địa phương (địa phương cấp trên gồm cả số liệu tổng hợp và cấp dưới)")
    progress.add_argument("--json", action="store_true", help="in kết quả dạng JSON")

    export = commands.add_parser("export", help="xuất toàn bộ số liệu ra tệp .csv hoặc .xlsx")
    export.add_argument("file", type=Path, metavar="TỆP")

    report = commands.add_parser("report", help="lập báo cáo họp (Word .docx, Excel .xlsx hoặc PDF .pdf) về tiến độ tính đến một năm")
    report.add_argument("--year", type=int, required=True, metavar="NĂM")
    report.add_argument("--locality", metavar="MÃ", help="một địa phương (mặc định: toàn thành phố)")
    report.add_argument("file", type=Path, metavar="TỆP", help="tệp .docx, .xlsx hoặc .pdf")

    _add_user_commands(commands)
    _add_approval_commands(commands)

    backup_command = commands.add_parser("backup", help="sao lưu cơ sở dữ liệu (kể cả khi đang có người ghi)")
    backup_command.add_argument("file", type=Path, metavar="TỆP")

    restore_command = commands.add_parser("restore", help="khôi phục bản sao lưu vào một cơ sở dữ liệu trống")
    restore_command.add_argument("file", type=existing_file, metavar="TỆP")
    return parser


def _add_user_commands(commands) -> None:
    user = commands.add_parser("user", help="quản lý tài khoản (mật khẩu đọc từ đầu vào chuẩn, không hiện ra)")
    actions = user.add_subparsers(dest="user_command", required=True, metavar="LỆNH", parser_class=VietnameseParser)
    add = actions.add_parser("add", help="tạo tài khoản")
    add.add_argument("name", metavar="TÊN")
    add.add_argument("--role", required=True, choices=[role.value for role in Role], help="viewer: chỉ xem; editor: nhập số liệu cho "
                     "địa phương được giao; admin: toàn quyền, quản lý tài khoản, phê duyệt")
    add.add_argument("--locality", nargs="+", action="extend", default=[], metavar="MÃ",
                     help="địa phương mà tài khoản nhập liệu (editor) phụ trách; có thể ghi nhiều mã")
    actions.add_parser("list", help="liệt kê tài khoản")
    for name, help_text in (("set-password", "đặt mật khẩu mới"), ("disable", "vô hiệu hóa tài khoản"),
                            ("enable", "kích hoạt lại tài khoản")):
        actions.add_parser(name, help=help_text).add_argument("name", metavar="TÊN")


def _add_approval_commands(commands) -> None:
    for name, help_text in (("approve", "phê duyệt (khóa) số liệu một năm của một địa phương"),
                            ("reopen", "mở lại số liệu đã phê duyệt để sửa")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--locality", required=True, metavar="MÃ")
        command.add_argument("--year", type=int, required=True, metavar="NĂM")
        command.add_argument("--user", required=True, metavar="TÊN", help="tài khoản quản trị viên thực hiện")
        command.add_argument("--note", metavar="GHI_CHÚ", help="lý do hoặc ghi chú, lưu vào lịch sử phê duyệt")
    history = commands.add_parser("approvals", help="lịch sử phê duyệt và mở lại")
    history.add_argument("--locality", metavar="MÃ")
    history.add_argument("--year", type=int, metavar="NĂM")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    engine = make_engine()
    # The libraries are loaded: the collector need not walk their objects again each time a
    # command creates many of its own (a tenth of an import of 100,000 rows).
    gc.freeze()
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
    from kpi.files.catalogue import load_catalog

    load_catalog(engine)
    print(f"Đã khởi tạo cơ sở dữ liệu: {len(queries.indicators(engine))} chỉ tiêu, "
          f"{len(queries.plans(engine))} kế hoạch, {len(queries.localities(engine))} địa phương.")
    return EXIT_OK


def run_localities(engine: Engine, args) -> int:
    from kpi.files.catalogue import add_localities

    count = add_localities(engine, args.file.read_bytes(), args.file.name)
    print(f"Đã thêm hoặc cập nhật {fmt.format_integer(count)} địa phương.")
    return EXIT_OK


def run_demo(engine: Engine, args) -> int:
    from kpi.store.demo import load_demo
    from kpi.store.readings import delete_demo

    if args.remove:
        print(f"Đã xóa {fmt.format_integer(delete_demo(engine))} số liệu minh họa.")
        return EXIT_OK
    result = load_demo(engine)
    print(f"Số liệu minh họa (được đánh dấu là dữ liệu minh họa): {_counts_text(result)}.")
    return EXIT_OK


def run_import(engine: Engine, args) -> int:
    from kpi.files.importer import apply_parsed, parse_file

    try:
        account = _account(engine, args.user) if args.user is not None else None
        parsed = parse_file(engine, args.file.read_bytes(), args.file.name)
        result = apply_parsed(engine, parsed, user=account, user_name=None if account else CLI_USER,
                              dry_run=args.dry_run)
    except Rejected as rejected:
        print(f"Tệp {args.file.name} không được nhập vì có {fmt.format_integer(len(rejected.problems))} lỗi; "
              "chưa ghi gì vào cơ sở dữ liệu. Sửa các lỗi sau rồi nhập lại cả tệp:", file=sys.stderr)
        for problem in rejected.problems:
            print(f"- {problem}", file=sys.stderr)
        return EXIT_REJECTED
    if args.dry_run:
        print(f"Chạy thử, chưa ghi gì: tệp {args.file.name} hợp lệ; nếu nhập sẽ có {_counts_text(result)}.")
    else:
        print(f"Đã nhập tệp {args.file.name} (lần nhập số {result.batch_id}): {_counts_text(result)}.")
    if parsed.skipped_rows:
        rows = ", ".join(str(row) for row in parsed.skipped_rows[:20]) + (", …" if len(parsed.skipped_rows) > 20 else "")
        print(f"Bỏ qua {fmt.format_integer(len(parsed.skipped_rows))} dòng chưa nhập số liệu (dòng {rows}).")
    return EXIT_OK


def _account(engine: Engine, name: str):
    from kpi.store import accounts as auth

    account = auth.get_account(engine, name)
    if account is None:
        raise Rejected([Problem(None, None, "", f"Không có tài khoản «{auth.normalize_name(name)}».")])
    return account


def run_progress(engine: Engine, args) -> int:
    if args.locality and args.locality not in set(queries.localities(engine)["code"]):
        print(f"Không có địa phương với mã «{args.locality}».", file=sys.stderr)
        return EXIT_USAGE
    assessment = assess(engine, args.year, args.locality, with_series=False)
    if args.json:
        from kpi.engine.status_json import statuses_json  # orjson: only this command needs it

        print(statuses_json(assessment.statuses))
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
    from kpi.files.export import readings_export, write_table

    if args.file.suffix.lower() not in (".csv", ".xlsx"):
        print("Tệp xuất phải có đuôi .csv hoặc .xlsx.", file=sys.stderr)
        return EXIT_USAGE
    frame = readings_export(engine)
    write_table(frame, args.file)
    print(f"Đã xuất {fmt.format_integer(len(frame))} số liệu ra {args.file}.")
    return EXIT_OK


def run_report(engine: Engine, args) -> int:
    # Imported here: python-docx and matplotlib would add most of a second to every other command.
    from kpi.report.content import ScopeError
    from kpi.report.docx import report_docx
    from kpi.report.pdf import report_pdf
    from kpi.report.xlsx import report_xlsx

    render = {".docx": report_docx, ".xlsx": report_xlsx, ".pdf": report_pdf}.get(args.file.suffix.lower())
    if render is None:
        print("Tệp báo cáo phải có đuôi .docx (Word), .xlsx (Excel) hoặc .pdf.", file=sys.stderr)
        return EXIT_USAGE
    try:
        data = render(engine, args.year, args.locality)
    except ScopeError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    args.file.write_bytes(data)
    print(f"Đã lập báo cáo năm {args.year} vào {args.file}.")
    return EXIT_OK


def run_user(engine: Engine, args) -> int:
    from kpi.store import accounts as auth

    if args.user_command == "add":
        account = auth.create_user(engine, args.name, _read_password(confirm=True), args.role, args.locality)
        scope = f", phụ trách: {', '.join(account.localities)}" if account.localities else ""
        print(f"Đã tạo tài khoản «{account.name}» ({auth.ROLE_LABELS[account.role]}{scope}).")
    elif args.user_command == "list":
        _print_users(auth.list_users(engine))
    elif args.user_command == "set-password":
        _account(engine, args.name)
        auth.set_password(engine, args.name, _read_password(confirm=True))
        print(f"Đã đặt mật khẩu mới cho «{auth.normalize_name(args.name)}».")
    elif args.user_command == "disable":
        auth.disable_user(engine, args.name)
        print(f"Đã vô hiệu hóa tài khoản «{auth.normalize_name(args.name)}».")
    else:
        auth.enable_user(engine, args.name)
        print(f"Đã kích hoạt lại tài khoản «{auth.normalize_name(args.name)}».")
    return EXIT_OK


def _read_password(confirm: bool) -> str:
    """From the terminal without echo, or the first line of piped input; never printed."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Mật khẩu: ")
    if confirm and getpass.getpass("Nhập lại mật khẩu: ") != password:
        raise Rejected([Problem(None, None, "", "Hai lần nhập mật khẩu không khớp.")])
    return password


def _print_users(users: pd.DataFrame) -> None:
    if users.empty:
        print("Chưa có tài khoản nào.")
        return
    for user in users.itertuples():
        state = "đang hoạt động" if user.active else "đã vô hiệu hóa"
        scope = f" — phụ trách: {user.localities}" if user.localities else ""
        last = fmt.format_timestamp(user.last_login_at if pd.notna(user.last_login_at) else None)
        print(f"{user.name}: {user.role_label} ({user.role}), {state}{scope}; đăng nhập gần nhất: {last}")


def run_approve(engine: Engine, args) -> int:
    from kpi.store import approvals

    state = approvals.approve(engine, args.locality, args.year, args.user, args.note)
    print(f"Đã phê duyệt số liệu năm {state.year} của {state.locality_code} "
          f"(«{state.approved_by}», {fmt.format_timestamp(state.approved_at)}); số liệu này đã bị khóa.")
    return EXIT_OK


def run_reopen(engine: Engine, args) -> int:
    from kpi.store import approvals

    approvals.reopen(engine, args.locality, args.year, args.user, args.note)
    print(f"Đã mở lại số liệu năm {args.year} của {args.locality}; có thể sửa lại.")
    return EXIT_OK


def run_approvals(engine: Engine, args) -> int:
    from kpi.store import approvals

    history = approvals.approval_history(engine, args.locality, args.year)
    if history.empty:
        print("Chưa có phê duyệt nào.")
    for event in history.itertuples():
        note = f" — {event.note}" if isinstance(event.note, str) else ""
        print(f"{fmt.format_timestamp(event.at)}  {event.action_label}: năm {event.year}, {event.locality_name} "
              f"({event.locality_code}), bởi «{event.user_name}»{note}")
    return EXIT_OK


def run_backup(engine: Engine, args) -> int:
    from kpi.store.backup import BackupError, backup

    try:
        backup(engine, args.file)
    except BackupError as error:
        print(f"Không sao lưu được: {error}", file=sys.stderr)
        return EXIT_REJECTED
    print(f"Đã sao lưu cơ sở dữ liệu vào {args.file}.")
    return EXIT_OK


def run_restore(engine: Engine, args) -> int:
    from kpi.store.backup import BackupError, restore

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
    "import": run_import,
    "progress": run_progress,
    "export": run_export,
    "report": run_report,
    "user": run_user,
    "approve": run_approve,
    "reopen": run_reopen,
    "approvals": run_approvals,
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
