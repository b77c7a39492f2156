"""Schema changes go through Alembic: the models and the migrations agree, and old databases upgrade."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlmodel import SQLModel

from kpi.files.catalogue import load_catalog
from kpi.store import queries
from kpi.store.db import SCHEMA_HEAD, alembic_config, make_engine, schema_revision


def test_models_and_migrations_agree(engine):
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


def test_a_database_made_at_the_first_revision_upgrades_with_its_data(database_url):
    engine = make_engine(database_url)
    config = alembic_config(engine)
    command.upgrade(config, ScriptDirectory.from_config(config).get_base())
    with engine.begin() as connection:
        # Written with the first revision's columns, as an old installation would have them.
        connection.exec_driver_sql(
            "INSERT INTO indicator (code, name, \"group\", kind, comparator, target, position) "
            "VALUES ('HOA_GIAI_THANH', 'Tỷ lệ hòa giải thành', 'Hòa giải ở cơ sở', 'ratio', '>=', 80, 0)")
        connection.exec_driver_sql("INSERT INTO locality (code, name, kind) VALUES ('LAC_PHUONG', 'xã Lạc Phượng', 'xã')")
        connection.exec_driver_sql(
            "INSERT INTO reading (locality_code, indicator_code, year, numerator, denominator, entered_by, "
            "entered_at, source, is_demo) VALUES ('LAC_PHUONG', 'HOA_GIAI_THANH', 2024, 45, 50, 'cán bộ', "
            "'2025-01-02 03:04:05', 'form', false)")
    load_catalog(engine)
    stored = queries.readings(engine, full=True)
    assert stored[["locality_code", "year", "numerator", "denominator"]].values.tolist() == [["LAC_PHUONG", 2024, 45, 50]]
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    assert current == ScriptDirectory.from_config(config).get_current_head()
    engine.dispose()


def test_the_schema_head_the_command_line_expects_is_the_newest_migration(engine):
    config = alembic_config(engine)
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_HEAD
    assert schema_revision(engine) == SCHEMA_HEAD


def test_a_command_on_a_database_of_an_older_schema_says_to_upgrade_it_and_then_works(database_url, run_cli, tmp_path):
    engine = make_engine(database_url)
    config = alembic_config(engine)
    previous = ScriptDirectory.from_config(config).get_revision(SCHEMA_HEAD).down_revision
    command.upgrade(config, previous)
    engine.dispose()
    refused = run_cli("progress", "--year", "2025")
    assert refused.returncode == 2
    assert f"Lược đồ của cơ sở dữ liệu (phiên bản {previous}) khác phiên bản ứng dụng này cần ({SCHEMA_HEAD})" in refused.stderr
    assert "python -m kpi init" in refused.stderr and "Traceback" not in refused.stderr
    # The copy an administrator keeps before upgrading is made as the database is.
    backup = run_cli("backup", tmp_path / "truoc-nang-cap.bak")
    assert backup.returncode == 0, backup.stderr
    assert (tmp_path / "truoc-nang-cap.bak").stat().st_size > 0
    assert run_cli("init").returncode == 0
    assert run_cli("progress", "--year", "2025").returncode == 0
