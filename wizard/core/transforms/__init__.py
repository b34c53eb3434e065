"""Column transforms, vectorised over whole columns (pandas), composable per field.

Each transform takes a Series of strings ("" is empty) and returns a :class:`Result`:
the new values and a boolean mask of the cells it could not convert. Nothing here loops
over cells in Python where pandas can do the work.

By kind: :mod:`.texts`, :mod:`.numbers`, :mod:`.dates` (with Excel's day numbers, Unix times
and time zones), :mod:`.phones`, and :mod:`.steps`, the step language of mapping profiles. The
names other modules use are all here.
"""
from .dates import (DATE_ORDERS, EXCEL_EPOCH, EXCEL_SERIALS, ISO_FORMATS, NAMED_FORMATS,
                    ORDER_FORMATS, DateOrderGuess, DateOrders, OrderEvidence, _could_read, _DM, _likely_first,
                    age_from_date, age_from_year, check_date_order, excel_serial_date, excel_serial_share,
                    future_mask, guess_date_order, infer_date_order, parse_dates, time_zone,
                    UNIX_TIMES, unix_time_ms, unix_time_share, unix_time_utc)
from .numbers import _plain_numbers, number
from .phones import (E164, REGION_PARSE_SAMPLE, REGIONS, _ascii_digits, _e164_each,
                     _e164_fast, _region_info, _tidy_phones, infer_phone_region,
                     national_pattern, region_info, to_e164)
from .result import Result, TransformError, _bad_or
from .steps import (INHERIT, NO_DEFAULTS, STEP_NAMES, STEP_OPTIONS, STEPS, AgeFromDateStep,
                    AgeFromYearStep,
                    CaseStep, ConcatStep, DateStep, DefaultStep, MapStep, NumberStep, PhoneStep,
                    SplitStep, Step, StepDefaults, TrimStep, apply_step, check_step_options,
                    parse, parse_step, parse_steps)
from .texts import (GENDER_MAP, as_text, case, concat, default, each_distinct, is_blank,
                    join_texts, split, text, trim, value_map)
