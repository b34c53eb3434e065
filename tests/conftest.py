import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HMSYNC_WIZARD_LOG_DIR", os.path.join(os.path.dirname(__file__), ".logs"))

# A small legacy export with one defect of each kind, and where it is.
# (file, line) -> rule code expected as an error.
MINI = {
    "doctors.csv": [
        "doctorId,fullName,specialty,licenseNumber,phoneNumber,joinDate",
        "D1,Dr. Asha Rao,Cardiology,LIC1,+919800000001,2020-01-01",
        "D2,Dr. Li Wei,ENT,LIC2,+919800000002,2019-05-05",
    ],
    "patients.csv": [
        "patientId,firstName,lastName,phoneNumber,age,gender,address,registrationDate",
        "101,Ravi,Kumar,+919811111111,40,male,\"12 MG Road, Ward 3\",15/01/2022",    # 2 ok
        "102,Meera,Iyer,09822222222,35,F,Lake View,2022-02-01 00:00:00",         # 3 ok
        "103,,,+919833333333,20,M,x,2022-01-01",                                  # 4 missing name
        "104,Omar,Ali,,50,M,x,2022-01-01",                                        # 5 missing phone
        "105,Anna,Rossi,+919855555555,151,F,x,2022-01-01",                        # 6 age range
        "106,Kwame,Mensah,+919866666666,4O,M,x,2022-01-01",                       # 7 age format
        "107,Yuki,Tanaka,+919877777777,30,X,x,2022-01-01",                        # 8 gender enum
        "108,Peter,Smith,+919888888888,30,M,x,31/31/2022",                        # 9 date format
        "101,Ravi,Again,+919899999999,41,M,x,2022-01-01",                         # 10 duplicate id
        "109,Ravi,Kumar,+919811111111,40,M,x,2022-01-01",                         # 11 same person: warning
        "110,Ama,Mensah,+919800000010,30,F,x,2099-01-01",                         # 12 future date
        "111,Hiro,Tanaka,+919800000011,60,m,x,2022-01-01,EXTRA",                   # 13 ragged
    ],
    "visits.csv": [
        "visitId,patientId,doctorId,visitDate,consultationFee,diagnosis,notes",
        "V1,101,D1,2022-02-01,500,Migraine,\"multi\nline, note\"",                 # 2-3 ok
        "V2,102,D2,2022-03-01,300,Asthma,ok",                                     # 4 ok
        "V3,999,D1,2022-03-01,300,x,orphan patient",                              # 5 missing parent
        "V4,101,D9,2022-03-01,300,x,orphan doctor",                               # 6 missing parent
        "V5,101,D1,2022-03-01,-500,x,negative",                                   # 7 range
        "V6,101,D1,2022-03-01,five hundred,x,nan",                                # 8 format
        "V7,101,D1,,300,x,no date",                                               # 9 required
        "V8,105,D1,2022-03-01,300,x,patient rejected",                            # 10 cascade
        "V9,102,D1,2022-04-01,750,x,ok",                                          # 11 ok
    ],
    "bills.csv": [
        "billId,visitId,patientId,billDate,amount,status",
        "B1,V1,101,2022-02-01,650.00,PAID",                                        # 2 ok
        "B2,V8,105,2022-03-01,300.00,UNPAID",                                      # 3 cascade (visit)
        "B3,V2,102,2022-03-01,300.00,PAID",                                        # 4 ok
    ],
    "payments.csv": [
        "paymentId,billId,paidOn,amount,mode",
        "P1,B1,2022-02-01,650.00,CASH",                                            # 2 ok
        "P2,B2,2022-03-01,300.00,UPI",                                             # 3 cascade (bill)
    ],
    "pathology_tests.csv": [
        "testId,visitId,patientId,testCode,testName,orderedOn,resultValue,resultUnit,price",
        "T1,V1,101,CBC,Complete Blood Count,2022-02-01,13.5,g/dL,350",              # 2 ok
        "T2,V3,101,LFT,Liver Function Test,2022-03-01,40,U/L,600",                 # 3 cascade
    ],
}

MINI_ERRORS = {
    ("patients.csv", 4): "patients.fullName.required",
    ("patients.csv", 5): "patients.phone.required",
    ("patients.csv", 6): "patients.age.range",
    ("patients.csv", 7): "patients.age.format",
    ("patients.csv", 8): "patients.gender.enum",
    ("patients.csv", 9): "patients.registrationDate.format",
    ("patients.csv", 10): "patients.id.duplicate",
    ("patients.csv", 12): "patients.registrationDate.future",
    ("patients.csv", 13): "patients.record.corrupt",
    ("visits.csv", 5): "visits.patientId.missing_parent",
    ("visits.csv", 6): "visits.doctorId.missing_parent",
    ("visits.csv", 7): "visits.consultationFee.range",
    ("visits.csv", 8): "visits.consultationFee.format",
    ("visits.csv", 9): "visits.visitDate.required",
    ("visits.csv", 10): "visits.patientId.rejected_parent",
    ("bills.csv", 3): "bills.visitId.rejected_parent",
    ("payments.csv", 3): "payments.billId.rejected_parent",
    ("pathology_tests.csv", 3): "pathology_tests.visitId.rejected_parent",
}
MINI_CLEAN = {"doctors": 2, "patients": 3, "visits": 3, "bills": 2, "payments": 1,
              "pathology_tests": 1}


def write_mini(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in MINI.items():
        (folder / name).write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return folder


@pytest.fixture
def mini_export(tmp_path) -> Path:
    return write_mini(tmp_path / "export")


@pytest.fixture
def empty_target(tmp_path) -> Path:
    from wizard.core.schema import init_db
    p = tmp_path / "hmsync.db"
    init_db(p)
    return p


@pytest.fixture
def demo_copy(tmp_path) -> Path:
    from wizard.resources import demo_export
    dst = tmp_path / "demo-export"
    shutil.copytree(demo_export(), dst)
    return dst
