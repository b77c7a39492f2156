"""The product's write path on a pre-parsed frame: kpi.store.readings.apply_readings (validate, classify,
upsert, history, batch) over the rows of FILE.csv, timed without the parsing.

python bench/import_product.py DATABASE FILE.csv
"""

import sys
import time

import pandas as pd
from measure import report


def main(database: str, file_name: str) -> None:
    from kpi.store.db import make_engine
    from kpi.store.readings import apply_readings, input_frame

    frame = pd.read_csv(file_name, dtype={"note": str}, keep_default_na=False, na_values={"numerator": [""],
                        "denominator": [""], "value": [""]})
    frame = input_frame(frame.to_dict("records"))
    engine = make_engine(f"sqlite:///{database}")
    started = time.perf_counter()
    result = apply_readings(engine, frame, user_name="bench", source="import", file_name=file_name)
    report({"seconds": time.perf_counter() - started, "rows": result.total, "created": result.created})


if __name__ == "__main__":
    main(*sys.argv[1:])
