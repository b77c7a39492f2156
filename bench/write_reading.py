"""Change one reading of the database named by KPI_DATABASE_URL (bench.data.change_one_reading):
run before a measured command to measure it as the first call after a write.

python bench/write_reading.py
"""

from bench.data import change_one_reading
from kpi.store.db import make_engine

if __name__ == "__main__":
    change_one_reading(make_engine())
