"""`python -m kpi`: argument parsing and printing only; the work is done by the kpi modules."""

import argparse
import gc
import getpass
import importlib
import sqlite3
import sys
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from kpi import formatting as fmt
from kpi.engine.assess import assess
from kpi.engine.describe import describe_statuses
from kpi.errors import file_error_text, log_to_file, log_unexpected
from kpi.problems import Problem, Rejected
from kpi.store import queries
from kpi.store.db import SCHEMA_HEAD, make_engine, schema_revision
from kpi.vocabulary import NOTE_MAX_LENGTH, Role
from kpi.years import FIRST_YEAR, current_year

# Every other kpi module is imported by the command that needs it: importing them all (openpyxl,
# argon2, the report writers) cost each command, an import of 100,000 rows included, a second or more.

EXIT_OK, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
# A file wrong in every row would otherwise print 100,000 lines: the first ones show what to fix.
PROBLEMS_PRINTED = 200
CLI_USER = "dòng lệnh"


# argparse words its errors in English; these are the phrases an official can meet.
ARGPARSE_PHRASES = {
    "the following arguments are required": "thiếu tham số bắt buộc",
    "invalid choice": "lựa chọn không hợp lệ",
    "(choose from": "(chọn một trong",
    "invalid int value": "không phải số nguyên",
    "unrecognized arguments": "tham số không hiểu được",
    "expected one argument": "cần một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
    "expected at most one argument": "cần nhiều nhất một giá trị",
    "ignored explicit argument": "tùy chọn này không nhận giá trị nào, kể cả",
    "not allowed with argument": "không dùng cùng được với tham số",
    "one of the arguments": "cần một trong các tham số",
    "ambiguous option": "tùy chọn viết tắt không rõ",
    "could match": "có thể là",
    "argument ": "tham số ",
    "invalid year value": "năm không hợp lệ",
    "invalid note value": "ghi chú không hợp lệ",
}


class VietnameseHelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "Cách dùng: " if prefix is None else prefix)


class VietnameseParser(argparse.ArgumentParser):
    """argparse with its help and errors in Vietnamese: its own words (usage, options, -h) replaced."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", VietnameseHelpFormatter)
        super().__init__(*args, add_help=False, **kwargs)
        self._positionals.title = "tham số"
        self._optionals.title = "tùy chọn"
        self.add_argument("-h", "--help", action="help", help="hiện hướng dẫn này rồi thoát")

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


def year(text: str) -> int:
    """A year a figure can be about (FIRST_YEAR to this year), checked while parsing: exit 2 otherwise."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"«{text}» không phải là một năm") from None
    if not FIRST_YEAR <= value <= current_year():
        raise argparse.ArgumentTypeError(f"năm phải từ {FIRST_YEAR} đến {current_year()}, không phải {text}")
    return value


def note(text: str) -> str:
    if len(text) > NOTE_MAX_LENGTH:
        raise argparse.ArgumentTypeError(f"ghi chú dài {len(text)} ký tự, quá giới hạn {NOTE_MAX_LENGTH} ký tự")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = VietnameseParser(prog="python -m kpi", description="Theo dõi chỉ tiêu “thượng tôn và tuân thủ pháp luật” đến năm 2030.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="LỆNH", parser_class=VietnameseParser)

    commands.add_parser("init", help="tạo hoặc nâng cấp cơ sở dữ liệu và nạp danh mục (chạy lại an toàn)")

    localities = commands.add_parser("localities", help="thêm hoặc cập nhật địa phương từ tệp (theo mẫu data/localities.csv)")
    localities.add_argument("file", type=existing_file, metavar="TỆP")
    localities.add_argument("--dry-run", action="store_true", help="chỉ cho biết sẽ thay đổi gì, không ghi gì")

    demo = commands.add_parser("demo", help="thêm số liệu minh họa cho các địa phương mẫu (chạy lại an toàn)")
    demo.add_argument("--remove", action="store_true", help="xóa toàn bộ số liệu minh họa")

    import_command = commands.add_parser("import", help="kiểm tra và nhập số liệu từ tệp .csv hoặc .xlsx (tất cả hoặc không gì cả)")
    import_command.add_argument("file", type=existing_file, metavar="TỆP")
    import_command.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra và đếm, không ghi gì")
    import_command.add_argument("--user", metavar="TÊN", help="nhập dưới tài khoản này, theo quyền của nó, và ghi "
                                "nhận số liệu là của nó; không ghi thì nhập với tư cách hệ thống (dòng lệnh)")

    progress = commands.add_parser("progress", help="đánh giá tiến độ các chỉ tiêu tính đến một năm")
    progress.add_argument("--year", type=year, required=True, metavar="NĂM")
    progress.add_argument("--locality", metavar="MÃ", help="một địa phương (địa phương cấp trên gồm cả số liệu tổng hợp và cấp dưới)")
    progress.add_argument("--json", action="store_true", help="in kết quả dạng JSON")

    export = commands.add_parser("export", help="xuất toàn bộ số liệu ra tệp .csv hoặc .xlsx")
    export.add_argument("file", type=Path, metavar="TỆP")

    report = commands.add_parser("report", help="lập báo cáo họp (Word .docx, Excel .xlsx hoặc PDF .pdf) về tiến độ tính đến một năm")
    report.add_argument("--year", type=year, metavar="NĂM",
                        help="mặc định: năm báo cáo của phạm vi (năm gần nhất có từ một nửa số địa phương báo cáo)")
    report.add_argument("--locality", metavar="MÃ", help="một địa phương (mặc định: toàn thành phố)")
    report.add_argument("file", type=Path, metavar="TỆP", help="tệp .docx, .xlsx hoặc .pdf")

    _add_user_commands(commands)
    _add_approval_commands(commands)
    _add_task_commands(commands)

    backup_command = commands.add_parser("backup", help="sao lưu cơ sở dữ liệu (kể cả khi đang có người ghi)")
    backup_command.add_argument("file", type=Path, metavar="TỆP")
    backup_command.add_argument("--overwrite", action="store_true", help="ghi đè tệp đã có (mặc định: từ chối)")

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
    for name, help_text in (("submit", "nộp báo cáo: địa phương gửi số liệu một năm (cần đủ số liệu mọi chỉ tiêu)"),
                            ("return", "trả lại báo cáo đã nộp để địa phương sửa (quản trị viên, cần lý do)"),
                            ("approve", "phê duyệt (khóa) số liệu một năm của một địa phương"),
                            ("reopen", "mở lại số liệu đã phê duyệt để sửa (cần lý do)")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--locality", required=True, metavar="MÃ")
        command.add_argument("--year", type=year, required=True, metavar="NĂM")
        command.add_argument("--user", required=True, metavar="TÊN",
                             help="tài khoản thực hiện" if name == "submit" else "tài khoản quản trị viên thực hiện")
        if name == "return":
            command.add_argument("--reason", type=note, required=True, metavar="LÝ_DO", help="lý do trả lại, hiện cho cán bộ nhập liệu")
        elif name == "reopen":
            command.add_argument("--reason", "--note", dest="reason", type=note, metavar="LÝ_DO", help="lý do mở lại (bắt buộc)")
        elif name == "approve":
            command.add_argument("--note", type=note, metavar="GHI_CHÚ", help="ghi chú, lưu vào lịch sử phê duyệt "
                                 f"(tối đa {NOTE_MAX_LENGTH} ký tự)")
    history = commands.add_parser("approvals", help="lịch sử nộp, trả lại, phê duyệt và mở lại")
    history.add_argument("--locality", metavar="MÃ")
    history.add_argument("--year", type=year, metavar="NĂM")
    reporting = commands.add_parser("reporting", help="tình hình nộp báo cáo một năm: hạn nộp, đúng hạn, trễ hạn, quá hạn")
    reporting.add_argument("--year", type=year, required=True, metavar="NĂM")
    reporting.add_argument("--locality", metavar="MÃ", help="một địa phương và các địa phương trực thuộc")
    reporting.add_argument("--on", type=_judging_day, metavar="NGÀY", help="ngày xét hạn (YYYY-MM-DD hoặc DD/MM/YYYY; "
                           "mặc định: hôm nay)")
    reporting.add_argument("--json", action="store_true", help="in kết quả dạng JSON")


def _judging_day(text: str):
    from datetime import date, datetime

    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"ngày «{text}» không hợp lệ; viết dạng {date(2027, 1, 15).isoformat()} "
                                     "hoặc 15/01/2027")


def judging_day(text: str):
    """--on: an ISO date (2026-12-31) or the Vietnamese way (31/12/2026)."""
    from datetime import date, datetime

    for shape in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, shape).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"ngày không hợp lệ: {text} (cần dạng {date(2026, 12, 31).isoformat()} hoặc 31/12/2026)")


def _add_task_commands(commands) -> None:
    tasks = commands.add_parser("tasks", help="nhiệm vụ của kế hoạch đến hạn trong một năm và tình trạng thực hiện")
    tasks.add_argument("--year", type=int, required=True, metavar="NĂM")
    tasks.add_argument("--locality", metavar="MÃ", help="một địa phương (địa phương cấp trên: mọi địa phương cấp dưới)")
    tasks.add_argument("--on", type=judging_day, metavar="NGÀY", help="ngày xét quá hạn (mặc định: hôm nay)")
    tasks.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    report = commands.add_parser("task-report", help="kiểm tra và ghi báo cáo nhiệm vụ từ tệp .csv hoặc .xlsx "
                                 "(tất cả hoặc không gì cả)")
    report.add_argument("file", type=existing_file, metavar="TỆP")
    report.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra và đếm, không ghi gì")
    report.add_argument("--user", metavar="TÊN", help="ghi dưới tài khoản này, theo quyền của nó")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logged_to = log_to_file()
    try:
        engine = make_engine()
    except Exception as error:
        # An address of a database this product does not use, or one it cannot create.
        message = error if isinstance(error, ValueError) else f"KPI_DATABASE_URL không dùng được ({type(error).__name__})."
        print(f"Lỗi cấu hình: {message}", file=sys.stderr)
        return EXIT_USAGE
    # The libraries are loaded: the collector need not walk their objects again each time a
    # command creates many of its own (a tenth of an import of 100,000 rows).
    gc.freeze()
    try:
        if args.command not in WITHOUT_SCHEMA and (schema := schema_problem(engine, args.command in ANY_SCHEMA)):
            print(schema, file=sys.stderr)
            return EXIT_USAGE
        return COMMANDS[args.command](engine, args)
    except Rejected as rejected:
        print("Không thực hiện được, chưa ghi gì vào cơ sở dữ liệu:", file=sys.stderr)
        print_problems(rejected.problems)
        return EXIT_REJECTED
    except BrokenPipeError:
        raise  # the reader of the output went away: kpi/__main__.py ends quietly
    except OSError as error:
        print(f"Không thực hiện được: không đọc hoặc ghi được tệp {file_error_text(error)}.", file=sys.stderr)
        return EXIT_REJECTED
    except Exception as error:
        from sqlalchemy.exc import OperationalError

        reference = log_unexpected(f"chạy lệnh {args.command}")
        where = f" (chi tiết trong {logged_to}, mã lỗi {reference})" if logged_to else f" (mã lỗi {reference})"
        if isinstance(error, OperationalError):
            print(f"Không làm việc được với cơ sở dữ liệu của KPI_DATABASE_URL{where}. Kiểm tra địa chỉ, "
                  "mật khẩu và máy chủ cơ sở dữ liệu.", file=sys.stderr)
        else:
            print(f"Lỗi không lường trước, lệnh đã dừng{where}. Mỗi lần ghi là một giao dịch: phần dở dang "
                  "không được lưu. Hãy báo cho quản trị hệ thống.", file=sys.stderr)
        return EXIT_REJECTED
    finally:
        engine.dispose()


def print_problems(problems: list[Problem]) -> None:
    for problem in problems[:PROBLEMS_PRINTED]:
        print(f"- {problem}", file=sys.stderr)
    if len(problems) > PROBLEMS_PRINTED:
        rest = fmt.format_integer(len(problems) - PROBLEMS_PRINTED)
        print(f"… và {rest} lỗi khác (chỉ in {PROBLEMS_PRINTED} lỗi đầu, theo thứ tự dòng).", file=sys.stderr)


def run_init(engine: Engine, args) -> int:
    from kpi.files.catalogue import load_catalog

    load_catalog(engine)
    print(f"Đã khởi tạo cơ sở dữ liệu: {len(queries.indicators(engine))} chỉ tiêu, "
          f"{len(queries.plans(engine))} kế hoạch, {len(queries.localities(engine))} địa phương.")
    return EXIT_OK


def run_localities(engine: Engine, args) -> int:
    from kpi.files.catalogue import add_localities
    from kpi.files.sheets import read_path

    changes = add_localities(engine, read_path(args.file), args.file.name, dry_run=args.dry_run)
    done = "Chạy thử, chưa ghi gì; nếu nạp sẽ có" if args.dry_run else "Đã nạp"
    print(f"{done} tệp {args.file.name}: {changes.summary()}")
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
    from kpi.files.importer import apply_parsed, parse_file, skipped_rows_text
    from kpi.files.sheets import read_path

    try:
        account = _account(engine, args.user) if args.user is not None else None
        parsed = parse_file(engine, read_path(args.file), args.file.name, account)
        result = apply_parsed(engine, parsed, user=account, user_name=None if account else CLI_USER,
                              dry_run=args.dry_run)
    except Rejected as rejected:
        print(f"Tệp {args.file.name} không được nhập vì có {fmt.format_integer(len(rejected.problems))} lỗi; "
              "chưa ghi gì vào cơ sở dữ liệu. Sửa các lỗi sau rồi nhập lại cả tệp:", file=sys.stderr)
        print_problems(rejected.problems)
        return EXIT_REJECTED
    if args.dry_run:
        print(f"Chạy thử, chưa ghi gì: tệp {args.file.name} hợp lệ; nếu nhập sẽ có {_counts_text(result)}.")
    else:
        print(f"Đã nhập tệp {args.file.name} (lần nhập số {result.batch_id}): {_counts_text(result)}.")
    if parsed.skipped_rows:
        print(f"{skipped_rows_text(parsed.skipped_rows)}.")
    if parsed.notice:
        print(parsed.notice)
    return EXIT_OK


def schema_problem(engine: Engine, any_version: bool = False) -> str | None:
    """Why the database cannot serve a command as it is: no schema yet, or (unless any_version) the
    schema of another version of the app."""
    revision = schema_revision(engine)
    if revision is None:
        return ("Cơ sở dữ liệu của KPI_DATABASE_URL chưa được khởi tạo (chưa có bảng nào). Chạy `python -m kpi init` "
                "trước: lệnh này tạo các bảng và nạp danh mục chỉ tiêu, kế hoạch, địa phương.")
    if revision != SCHEMA_HEAD and not any_version:
        return (f"Lược đồ của cơ sở dữ liệu (phiên bản {revision}) khác phiên bản ứng dụng này cần ({SCHEMA_HEAD}). "
                "Chạy `python -m kpi init` để nâng cấp lược đồ (số liệu giữ nguyên), hoặc mở ứng dụng một lần, rồi chạy "
                "lại lệnh; nếu cơ sở dữ liệu mới hơn ứng dụng, hãy cập nhật ứng dụng.")
    return None


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
    from kpi.files.export import write_readings

    if args.file.suffix.lower() not in (".csv", ".xlsx"):
        print("Tệp xuất phải có đuôi .csv hoặc .xlsx.", file=sys.stderr)
        return EXIT_USAGE
    written = write_readings(engine, args.file)
    print(f"Đã xuất {fmt.format_integer(written)} số liệu ra {args.file}.")
    return EXIT_OK


# File suffix -> (module, function) writing a report in that format.
REPORT_WRITERS = {".docx": ("kpi.report.docx", "report_docx"), ".xlsx": ("kpi.report.xlsx", "report_xlsx"),
                  ".pdf": ("kpi.report.pdf", "report_pdf")}


def run_report(engine: Engine, args) -> int:
    # Imported here, and only the writer of the file asked for: python-docx, matplotlib and fpdf2
    # would add most of a second to every other command, and to an Excel report.
    from kpi.engine.reporting_year import reporting_year_of
    from kpi.report.content import ScopeError

    writer = REPORT_WRITERS.get(args.file.suffix.lower())
    if writer is None:
        print("Tệp báo cáo phải có đuôi .docx (Word), .xlsx (Excel) hoặc .pdf.", file=sys.stderr)
        return EXIT_USAGE
    module, function = writer
    render = getattr(importlib.import_module(module), function)
    try:
        year = args.year if args.year is not None else reporting_year_of(engine, args.locality)
        data = render(engine, year, args.locality)
    except ScopeError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    args.file.write_bytes(data)
    print(f"Đã lập báo cáo năm {year} vào {args.file}.")
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


def run_submit(engine: Engine, args) -> int:
    from kpi.engine.timeliness import judge_state, timeliness_text
    from kpi.store import cycle
    from kpi.years import report_due_date, today

    state = cycle.submit(engine, args.locality, args.year, args.user)
    due = report_due_date(queries.plans(engine).set_index("code")["report_due"].get(_plan_of(engine, args.locality)),
                          args.year)
    timeliness, days = judge_state(state, due, today())
    print(f"Đã nộp báo cáo năm {state.year} của {state.locality_code} («{state.submitted_by}», "
          f"{fmt.format_timestamp(state.submitted_at)}); hạn nộp {due:%d/%m/%Y}: {timeliness_text(timeliness, days)}. "
          "Cán bộ nhập liệu không sửa được số liệu năm này nữa, trừ khi quản trị viên trả lại.")
    return EXIT_OK


def _plan_of(engine: Engine, locality_code: str) -> str | None:
    localities = queries.localities(engine).set_index("code")
    return localities["plan_code"].get(locality_code)


def run_return(engine: Engine, args) -> int:
    from kpi.store import cycle

    state = cycle.return_year(engine, args.locality, args.year, args.user, args.reason)
    print(f"Đã trả lại báo cáo năm {state.year} của {state.locality_code}: địa phương sửa được và phải nộp lại.")
    return EXIT_OK


def run_approve(engine: Engine, args) -> int:
    from kpi.store import cycle

    state = cycle.approve(engine, args.locality, args.year, args.user, args.note)
    print(f"Đã phê duyệt số liệu năm {state.year} của {state.locality_code} "
          f"(«{state.approved_by}», {fmt.format_timestamp(state.approved_at)}); số liệu này đã bị khóa.")
    return EXIT_OK


def run_reopen(engine: Engine, args) -> int:
    from kpi.store import cycle

    cycle.reopen(engine, args.locality, args.year, args.user, args.reason)
    print(f"Đã mở lại số liệu năm {args.year} của {args.locality}; có thể sửa lại.")
    return EXIT_OK


def run_approvals(engine: Engine, args) -> int:
    from kpi.store import cycle

    history = cycle.history(engine, args.locality, args.year)
    if history.empty:
        print("Chưa có lần nộp hay phê duyệt nào.")
    for event in history.itertuples():
        note = f" — {event.note}" if isinstance(event.note, str) else ""
        print(f"{fmt.format_timestamp(event.at)}  {event.action_label}: năm {event.year}, {event.locality_name} "
              f"({event.locality_code}), bởi «{event.user_name}»{note}")
    return EXIT_OK


def run_reporting(engine: Engine, args) -> int:
    from kpi.engine import timeliness

    if args.locality and args.locality not in set(queries.localities(engine)["code"]):
        print(f"Không có địa phương với mã «{args.locality}».", file=sys.stderr)
        return EXIT_USAGE
    table = timeliness.reporting(engine, args.year, args.locality, args.on)
    if args.json:
        import json

        print(json.dumps(timeliness.reporting_json(table), ensure_ascii=False, indent=2))
        return EXIT_OK
    if table.empty:
        print("Không có địa phương nào có kế hoạch trong phạm vi này.")
        return EXIT_OK
    print(timeliness.counts_text(args.year, timeliness.counts(table)))
    for row in table.itertuples():
        submitted = fmt.format_timestamp(row.submitted_at if pd.notna(row.submitted_at) else None)
        print(f"{row.locality_name} ({row.locality_code}): {row.state_label}; hạn {row.due:%d/%m/%Y}; nộp: {submitted}; "
              f"{row.timeliness_text}; số liệu {row.readings}/{row.expected} chỉ tiêu")
    return EXIT_OK


def run_backup(engine: Engine, args) -> int:
    from kpi.store.backup import BackupError, backup

    if args.file.exists() and not args.overwrite:
        print(f"Tệp {args.file} đã có; không ghi đè. Chọn tên khác, hoặc thêm --overwrite để ghi đè.", file=sys.stderr)
        return EXIT_REJECTED
    try:
        backup(engine, args.file)
    except BackupError as error:
        print(f"Không sao lưu được: {error}", file=sys.stderr)
        return EXIT_REJECTED
    except sqlite3.OperationalError:
        # SQLite's online backup opens the target itself and says only "unable to open database file".
        print(f"Không sao lưu được: không tạo được tệp {args.file} (thư mục không ghi được).", file=sys.stderr)
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


def run_tasks(engine: Engine, args) -> int:
    from datetime import datetime

    from kpi.engine import tasks
    from kpi.periods import TASK_STATUS_LABELS
    from kpi.years import LOCAL_TIME

    if args.locality and args.locality not in set(queries.localities(engine)["code"]):
        print(f"Không có địa phương với mã «{args.locality}».", file=sys.stderr)
        return EXIT_USAGE
    on = args.on or datetime.now(LOCAL_TIME).date()
    items = tasks.scope_items(engine, args.year, args.locality, on)
    if args.json:
        print(tasks.tasks_json(items))
        return EXIT_OK
    if items.empty:
        print(f"Không có nhiệm vụ nào đến hạn trong năm {args.year} trong phạm vi này.")
        return EXIT_OK
    counts = tasks.counts(items, on)
    print(f"Nhiệm vụ đến hạn trong năm {args.year}, xét ngày {on.strftime('%d/%m/%Y')}: "
          f"{fmt.format_integer(counts.due)} lượt, {fmt.format_integer(counts.done)} hoàn thành, "
          f"{fmt.format_integer(counts.in_progress)} đang thực hiện, {fmt.format_integer(counts.overdue)} quá hạn.")
    for (code, name), group in items.groupby(["locality_code", "locality_name"], sort=False):
        print(f"\n{name} ({code})")
        for item in group.itertuples():
            state = TASK_STATUS_LABELS[item.status] + (" — QUÁ HẠN" if item.overdue else "")
            evidence = f" — sản phẩm: {item.evidence}" if isinstance(item.evidence, str) else ""
            print(f"  {item.task_code:<7} {item.period_label:<11} hạn {item.due.strftime('%d/%m/%Y')}  {state}{evidence}")
            print(f"          {item.title[:110]}{'…' if len(item.title) > 110 else ''} (chủ trì: {item.lead})")
    return EXIT_OK


def run_task_report(engine: Engine, args) -> int:
    from kpi.files.task_reports import apply_parsed_tasks, parse_task_file

    try:
        account = _account(engine, args.user) if args.user is not None else None
        parsed = parse_task_file(args.file.read_bytes(), args.file.name)
        result = apply_parsed_tasks(engine, parsed, user=account, user_name=None if account else CLI_USER,
                                    dry_run=args.dry_run)
    except Rejected as rejected:
        print(f"Tệp {args.file.name} không được ghi vì có {fmt.format_integer(len(rejected.problems))} lỗi; "
              "chưa ghi gì vào cơ sở dữ liệu. Sửa các lỗi sau rồi ghi lại cả tệp:", file=sys.stderr)
        print_problems(rejected.problems)
        return EXIT_REJECTED
    if args.dry_run:
        print(f"Chạy thử, chưa ghi gì: tệp {args.file.name} hợp lệ; nếu ghi sẽ có {_counts_text(result)}.")
    else:
        print(f"Đã ghi báo cáo nhiệm vụ từ tệp {args.file.name}: {_counts_text(result)}.")
    if parsed.notice:
        print(parsed.notice)
    if parsed.skipped_rows:
        print(f"Bỏ qua {fmt.format_integer(len(parsed.skipped_rows))} dòng chưa ghi tình trạng.")
    return EXIT_OK


# init creates the schema; restore refuses any database that has tables.
WITHOUT_SCHEMA = {"init", "restore"}
# A backup copies the database as it is: the copy to keep before an upgrade.
ANY_SCHEMA = {"backup"}
COMMANDS = {
    "init": run_init,
    "localities": run_localities,
    "demo": run_demo,
    "import": run_import,
    "progress": run_progress,
    "export": run_export,
    "report": run_report,
    "user": run_user,
    "submit": run_submit,
    "return": run_return,
    "reporting": run_reporting,
    "approve": run_approve,
    "reopen": run_reopen,
    "approvals": run_approvals,
    "backup": run_backup,
    "restore": run_restore,
    "tasks": run_tasks,
    "task-report": run_task_report,
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
