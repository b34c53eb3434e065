"""The suggestion on exports shaped unlike the generator's: names read as words, content
gating names, files decided over the whole export, and every unsure choice marked for a
person to confirm (the review gate). Each case is a small hand-made export of a kind the
mapping corpus (tests/corpus/) showed going wrong."""
from __future__ import annotations

import pandas as pd
import pytest

from wizard.core.readers import open_sources
from wizard.core.schema import known_tables
from wizard.core.suggest import suggest_profile, words

from suggest_export import fields, suggest


@pytest.mark.parametrize("name, said", [
    ("PAT_FNAME", ("patient", "first", "name")),
    ("PATIENTID", ("patient", "id")),          # run together: cut into known words
    ("visitStartDate", ("visit", "start", "date")),
    ("DOB", ("birth", "date")),
    ("ADMITTIME", ("start", "date")),
    ("id_paciente", ("id", "patient")),
    ("DataNasc", ("date", "birth")),
    ("metadata", ("metadata",)),               # a word that is no compound stays whole
    ("ΗμερομηνίαΏρα", ("date",)),               # Greek in its letters, camel case too
    ("ΗμΓέννησης", ("date", "birth")),
    ("Επίθετο", ("last", "name")),
    ("NgaySinh", ("date", "birth")),           # Vietnamese syllables, marks left out
    ("MaBacSi", ("id", "doctor")),
    ("GioiTinh", ("gender",)),
    ("FName", ("first", "name")),              # a letter and a word: one abbreviation
    ("MName", ("middle", "name")),
    ("mname", ("middle", "name")),             # not "name" with a table's letter glued
    ("pid", ("patient", "id")),
    ("appoIntment_Id", ("appointment", "id")),  # a slip of the shift key
    ("admisson_ID", ("visit", "id")),          # a letter dropped
    ("conatct_No", ("conatct", "number")),     # too short to be read as a slip
    ("features", ("features",)),               # a word, not a misspelt "factures"
    ("imerominia_gennisis", ("date", "birth")),  # Greek, transliterated
    ("jina_la_mgonjwa", ("name", "patient")),   # Swahili
    ("fecha_nac", ("date", "birth")),
    ("therapeuten", ("doctor",)),              # a physiotherapy practice's therapists
    ("profissionais_saude", ("doctor", "saude")),
    ("TBLHASTA", ("patient",)),                # a database's table prefix is no word
    ("tblPatients", ("patient",)),
    ("table", ("table",)),
    ("SOYISIM", ("last", "name")),
    ("Turnos", ("appointment",)),              # Argentine Spanish
    ("tblmedicalhistory", ("medical", "history")),
    ("County", ("county",)),                   # no slip of "country": short words are words
    ("Branch", ("branch",)),
    ("ContractNo", ("contract", "number")),    # not a contact number
    ("Imię", ("first", "name")),               # letters beyond Latin-1 are letters
    ("Płeć", ("gender",)),
    ("prezime", ("last", "name")),             # Serbian
    ("pregled", ("visit",)),
])
def test_names_are_read_as_the_vocabularys_words(name, said):
    assert words(name) == said


def test_abbreviated_headers_map_whole_names_and_the_id(tmp_path):
    """The headers of the issue: no id column was picked, fullName took the first name
    alone, firstName was 'the first word of' it."""
    p = suggest(tmp_path, {"patients.csv": "PAT_NO,PAT_FNAME,PAT_SURNAME,MOB,SEX\n"
                                           "1,Ravi,Kumar,9811111111,M\n"
                                           "2,Meera,Iyer,9822222222,F\n"})
    tm = p.table_for("patients.csv")
    assert tm.legacy_id == "PAT_NO"
    assert fields(p, "patients.csv") == {
        "firstName": ["PAT_FNAME"], "lastName": ["PAT_SURNAME"],
        "fullName": ["PAT_FNAME", "PAT_SURNAME"], "phone": ["MOB"], "gender": ["SEX"]}
    assert not p.unconfirmed()


def test_a_birth_date_is_never_a_phone_and_a_city_code_never_a_gender(tmp_path):
    p = suggest(tmp_path, {"patients.csv": "Id,NAME,BIRTHDATE,CITY_ID,CONTACT\n"
                                           "a1,Asha Rao,1955-09-01,1,1955-09-01\n"
                                           "a2,Li Wei,1960-02-03,2,1960-02-03\n"
                                           "a3,Omar Ali,1971-12-30,3,1971-12-30\n"})
    got = fields(p, "patients.csv")
    assert "phone" not in got and "gender" not in got
    assert got["age"] == ["BIRTHDATE"] and got["fullName"] == ["NAME"]


def test_a_column_named_as_the_field_with_dirty_values_is_kept_but_asked(tmp_path):
    p = suggest(tmp_path, {"patients.csv": "patientId,fullName,phone,gender,age\n"
                                           "1,Asha Rao,9811111111,F,forty\n"
                                           "2,Li Wei,9822222222,M,unknown\n"})
    age = p.table_for("patients.csv").fields["age"]
    assert age.columns == ["age"] and age.review and "reads as a whole number" in age.reason


def test_files_are_decided_by_their_columns_not_only_their_names(tmp_path):
    p = suggest(tmp_path, {
        "persons.csv": "person_id,first_name,last_name,gender,phone\n"
                       "1,Asha,Rao,F,9811111111\n2,Li,Wei,M,9822222222\n",
        "claims.csv": "Id,PATIENTID,APPOINTMENTID,SERVICEDATE,TOTAL,STATUS\n"
                      "c1,1,e1,2022-01-02,500,PAID\nc2,2,e2,2022-01-03,300,OPEN\n",
        "results.csv": "patient_id,code,description,value,units,date\n"
                       "1,718-7,Hemoglobin,13.5,g/dL,2022-01-02\n"
                       "2,2345-7,Glucose,99,mg/dL,2022-01-03\n",
        "cities.csv": "id,city\n1,Pune\n2,Delhi\n",
    })
    assert p.table_for("persons.csv").target == "patients"
    assert p.table_for("persons.csv").legacy_id == "person_id"
    assert p.table_for("claims.csv").target == "bills"
    assert fields(p, "claims.csv")["billDate"] == ["SERVICEDATE"]
    assert fields(p, "claims.csv")["amount"] == ["TOTAL"]
    assert p.table_for("results.csv").target == "pathology_tests"
    assert fields(p, "results.csv")["resultUnit"] == ["units"]
    assert p.table_for("cities.csv") is None
    assert any(str(n).startswith("cities.csv: no HMSync table resembles") for n in p.notes)


def test_two_files_that_look_like_one_table_are_asked_about(tmp_path):
    header = "visit_id,patient_id,doctor_id,visit_date,diagnosis\n"
    p = suggest(tmp_path, {
        "patients.csv": "patient_id,name,gender,phone\n1,Asha Rao,F,9811111111\n",
        "opd_visits.csv": header + "v1,1,d1,2022-01-02,Asthma\n",
        "ipd_admissions.csv": "admission_id,patient_id,doctor_id,admit_date,reason\n"
                              "a1,1,d1,2022-02-02,Fracture\n",
    })
    # outpatient visits and admissions: other columns, other records; both feed visits,
    # and a person confirms it
    mapped = [tm for tm in p.tables if tm.target == "visits"]
    assert {tm.source for tm in mapped} == {"opd_visits.csv", "ipd_admissions.csv"}
    assert all(tm.review for tm in mapped)
    assert any("both feed visits" in n and "opd_visits.csv" in n and "ipd_admissions.csv" in n
               for n in p.notes)


def _admissions_and_bookings(tmp_path, status: str):
    """Admissions beside a booking file; ``status`` is the bookings' status column's
    header and values ("" for none)."""
    head = "programare_id,patient_id,doctor_id,data_programare,motiv"
    rows = ["1,1,1,2022-01-02,Control", "2,2,1,2022-01-05,Durere",
            "3,1,2,2022-02-01,Control"]
    if status:
        name, *vals = status.split(",")
        head += "," + name
        rows = [r + "," + v for r, v in zip(rows, vals)]
    return suggest(tmp_path, {
        "patients.csv": "patient_id,name,gender,phone\n1,Asha Rao,F,9811111111\n"
                        "2,Li Wei,M,9822222222\n",
        "admissions.csv": "admission_id,patient_id,admission_date,diagnosis\n"
                          "10,1,2022-03-02,Pneumonia\n11,2,2022-03-09,Stroke\n",
        "appointments.csv": head + "\n" + "\n".join(rows) + "\n",
    })


def test_bookings_with_no_status_feed_visits_beside_admissions_asked(tmp_path):
    """Out-patient appointments with nothing saying any did not take place are the
    consultations held (a Romanian hospital's programari beside its internari): both
    files feed visits, each asked."""
    p = _admissions_and_bookings(tmp_path, "")
    mapped = {tm.source: tm for tm in p.tables if tm.target == "visits"}
    assert set(mapped) == {"admissions.csv", "appointments.csv"}
    assert all(tm.review for tm in mapped.values())
    assert any("both feed visits" in n for n in p.notes)


@pytest.mark.parametrize("status", ["status,Confirmed,Cancelled,Pending",
                                    "situacao,cancelado,realizado,agendado"])
def test_bookings_with_a_status_are_not_a_second_visits_file(tmp_path, status):
    """Some bookings never took place (the status says so, by its name or its values):
    beside admissions they are not mapped, and a note says they look like visits."""
    p = _admissions_and_bookings(tmp_path, status)
    assert [tm.source for tm in p.tables if tm.target == "visits"] == ["admissions.csv"]
    assert any(str(n).startswith("appointments.csv: looks like visits") for n in p.notes)


def test_a_column_is_an_id_of_what_its_name_ends_with(tmp_path):
    """visits.visit_department_id holds department numbers 1, 2, 3 that equal admission
    ids by chance: it is a department's id, not a pointer making admissions the visits'
    details; both files feed visits."""
    p = suggest(tmp_path, {
        "patients.csv": "patient_id,name,gender,phone\n1,Asha Rao,F,9811111111\n"
                        "2,Li Wei,M,9822222222\n",
        "visits.csv": "visit_id,patient_id,doctor_id,date_of_visit,visit_department_id\n"
                      "1,1,1,2022-01-02,1\n2,2,1,2022-01-03,2\n3,1,1,2022-01-04,3\n",
        "admissions.csv": "admission_id,patient_id,admission_date,primary_diagnosis\n"
                          "1,1,2022-03-02,Pneumonia\n2,2,2022-03-09,Stroke\n"
                          "3,1,2022-04-01,Flu\n",
    })
    assert {tm.source for tm in p.tables if tm.target == "visits"} == \
        {"visits.csv", "admissions.csv"}


def test_details_keyed_apart_carrying_the_visits_id_are_no_more_visits(tmp_path):
    """ed_visits: its own key first, then visit_id, every one a visit's: the emergency
    details of visits (acuity, reason), not visits of their own."""
    p = suggest(tmp_path, {
        "patients.csv": "patient_id,name,gender,phone\n1,Asha Rao,F,9811111111\n"
                        "2,Li Wei,M,9822222222\n",
        "visits.csv": "visit_id,patient_id,doctor_id,date_of_visit\n"
                      "1,1,1,2022-01-02\n2,2,1,2022-01-03\n3,1,1,2022-01-04\n",
        "ed_visits.csv": "ed_visit_id,visit_id,patient_id,acuity,reason_for_visit\n"
                         "1,2,2,3,Chest pain\n2,3,1,2,Fall\n3,1,1,4,Fever\n",
    })
    assert [tm.source for tm in p.tables if tm.target == "visits"] == ["visits.csv"]


@pytest.mark.parametrize("header, rows, total", [
    # an Indonesian clinic's receipts: visit fee + prescription (often none) = paid
    ("id_kuitansi,id_kunjungan,biaya_periksa,biaya_resep,total_bayar",
     ["K1,V1,40000,0,40000", "K2,V2,50000,2100,52100", "K3,V3,100000,0,100000",
      "K4,V4,30000,5000,35000", "K5,V5,45000,1500,46500"], "total_bayar"),
    # a Kosovar hospital's bills: net price + VAT = the price with VAT
    ("FaturaID,PacientSSN,Cmimi,TVSH,CmimiMeTVSH",
     ["F1,012,300,48,348", "F2,010,450,72,522", "F3,019,800,128,928",
      "F4,016,600,96,696"], "CmimiMeTVSH"),
])
def test_a_bills_total_is_the_column_that_sums_the_others(tmp_path, header, rows, total):
    p = suggest(tmp_path, {"invoices.csv": header + "\n" + "\n".join(rows) + "\n"})
    amount = p.table_for("invoices.csv").fields["amount"]
    assert amount.columns == [total] and amount.review
    assert "the sum of" in amount.reason


def test_money_columns_that_add_up_to_nothing_leave_the_amount_to_its_name(tmp_path):
    p = suggest(tmp_path, {"bills.csv": "bill_id,patient_id,amount,discount,tax\n"
                                        "1,1,500,20,30\n2,2,300,0,10\n3,1,250,5,12\n"})
    assert p.table_for("bills.csv").fields["amount"].columns == ["amount"]


_PEOPLE = [("Cedric", "Bral"), ("Marie", "Bruins"), ("Mark", "Daems"), ("Anke", "Peeters")]


@pytest.mark.parametrize("swapped", [True, False])
def test_given_and_family_names_in_each_others_columns_are_asked(tmp_path, swapped):
    """A Flemish practice's familienaam held the given names (its e-mails read
    cedric.bral@); an Italian clinic may write rossi.mario@ with its columns right: the
    e-mails cannot tell the two apart, so the names are asked, a note says why, and
    nothing is swapped. Where the e-mails agree with the column names, nothing is asked."""
    rows = [f"{i},{g if swapped else f},{f if swapped else g},{g.lower()}.{f.lower()}@x.be"
            for i, (g, f) in enumerate(_PEOPLE, 1)]
    p = suggest(tmp_path, {"patienten.csv": "id,familienaam,voornaam,email\n" +
                           "\n".join(rows) + "\n"})
    got = p.table_for("patienten.csv").fields
    assert got["firstName"].columns == ["voornaam"]
    assert got["lastName"].columns == ["familienaam"]
    said = [str(n) for n in p.notes if "e-mail addresses begin with" in str(n)]
    if swapped:
        assert got["firstName"].review and got["lastName"].review and got["fullName"].review
        assert len(said) == 1 and "familienaam's values" in said[0]
    else:
        assert not got["firstName"].review and not said


def test_records_with_diagnoses_are_the_visits_beside_bookings(tmp_path):
    """A Pakistani app's medical_records (visit date, diagnosis) beside its appointments
    (bookings with a status): the records are the visits. Their patient_id points at the
    patients, which fit visits too by an id and a date: that makes them no details of
    the patients."""
    p = suggest(tmp_path, {
        "patients.csv": "patient_id,name,age,gender,contact,registration_date\n"
                        "1001,Ali Raza,35,Male,0300-1234567,2025-11-27\n"
                        "1002,Sana Khan,41,Female,0301-7654321,2025-11-28\n",
        "appointments.csv": "appointment_id,patient_id,doctor_name,appointment_date,status\n"
                            "1001,1001,Dr. Wilson,2024-01-15,Scheduled\n"
                            "1002,1002,Dr. Wilson,2024-01-16,Cancelled\n",
        "medical_records.csv": "record_id,patient_id,visit_date,symptoms,diagnosis\n"
                               "1001,1001,2025-11-27,Chest pain,Hypertension\n"
                               "1002,1002,2025-11-28,Fever,Typhoid\n",
    })
    assert [tm.source for tm in p.tables if tm.target == "visits"] == ["medical_records.csv"]
    assert p.table_for("patients.csv").target == "patients"


def test_numbered_address_lines_make_one_address_in_order(tmp_path):
    """The NHS GP Connect demo's patients: address_1 (a house name, mostly empty) to
    address_5 (the county), then the postcode."""
    p = suggest(tmp_path, {"patients.csv":
                           "nhs_number,name,address_1,address_2,address_3,address_4,"
                           "address_5,postcode\n"
                           "9658218873,Ann Lee,,1 Trevelyan Square,Boar Lane,Leeds,"
                           "West Yorkshire,LS1 6AE\n"
                           "9658218881,Bob Roe,Rose Cottage,2 High St,,York,North Yorkshire,"
                           "YO1 7HH\n"})
    assert fields(p, "patients.csv")["address"] == [
        "address_1", "address_2", "address_3", "address_4", "address_5", "postcode"]


@pytest.mark.parametrize("stem", ["patient_history", "MedicalRecords"])
def test_a_patients_history_is_visits_not_more_patients(tmp_path, stem):
    p = suggest(tmp_path, {
        "patients.csv": "pid,fname,lname,gender,phone\nC1,Ann,Lee,F,8145550101\n"
                        "C2,Bob,Roe,M,8145550102\n",
        f"{stem}.csv": "pid,date,history\nC1,2022-1-23,Chest rib injury.\n"
                       "C2,2022-1-31,Abnormal urine.\nC1,2022-3-12,Pollen allergy.\n"})
    assert p.table_for(f"{stem}.csv").target == "visits"
    assert fields(p, f"{stem}.csv")["patientId"] == ["pid"]


def test_a_doctors_file_of_staff_ids_makes_the_staff_register_the_doctors(tmp_path):
    """A Syrian Oracle hospital: DOCTOR holds only EMPLOYEEID and years of experience;
    EMPLOYEE holds every member of staff's name and phone. The register feeds doctors,
    asked, and a note says which file says who the doctors are."""
    p = suggest(tmp_path, {
        "EMPLOYEE.csv": "EMPLOYEEID,NAME,SALARY,ADDRESS,PHONENUMBER\n"
                        "1,Ahmad Jalal,500,Damascus,+963945861235\n"
                        "2,Galya Jalil,700,Aleppo,+963978542136\n"
                        "3,Rami Haddad,650,Homs,+963933000111\n",
        "DOCTOR.csv": "EMPLOYEEID,YEARSOFEXPERIENCE\n1,10\n3,8\n",
        "PATIENT.csv": "PATIENTID,NAME,DOCTORID,DISEASE\n1,Omar Saleh,1,Flu\n"
                       "2,Lina Aziz,3,Asthma\n",
    })
    tm = p.table_for("EMPLOYEE.csv")
    assert tm.target == "doctors" and tm.review and tm.legacy_id == "EMPLOYEEID"
    assert p.table_for("DOCTOR.csv") is None
    assert any(str(n).startswith("DOCTOR.csv: says which of EMPLOYEE.csv's records are doctors")
               for n in p.notes)


@pytest.mark.parametrize("header, row, dated_by", [
    ("bill_id,patient_id,admission_date,discharge_date,total_amount",
     "B1,P1,2023-05-15,2023-05-20,10010", "discharge_date"),
    ("id_facture,patient_id,montant,date_paiement", "F1,P1,120.50,2024-02-03",
     "date_paiement"),
])
def test_a_bill_with_no_billing_date_is_dated_by_discharge_or_payment(tmp_path, header, row,
                                                                      dated_by):
    p = suggest(tmp_path, {"bills.csv": f"{header}\n{row}\n" + row.replace("1", "2", 1) +
                           "\n"})
    got = p.table_for("bills.csv").fields["billDate"]
    assert got.columns == [dated_by] and got.review and "no billing date" in got.reason


def test_a_states_two_letter_code_is_part_of_the_address_and_purchases_no_bills(tmp_path):
    """A Brazilian platform: estado holds SP for every patient of the sample (a state,
    not a status, however few its values); the clinics' equipment purchases and their
    payments are no patient's bills."""
    p = suggest(tmp_path, {
        "pacientes.csv": "id_paciente,nome,telefone,endereco,cidade,estado,cep\n"
                         "1,Ana Souza,+5511912345678,\"Rua das Flores, 123\",São Paulo,SP,"
                         "01234-567\n"
                         "2,Rui Lima,+5511987654321,\"Av. Paulista, 1000\",São Paulo,SP,"
                         "01310-100\n",
        "compras_equipamentos.csv": "id_compra,id_clinica,id_equipamento,data_compra,"
                                    "valor_total,status\n1,1,3,2024-01-02,15000.00,pago\n"
                                    "2,1,4,2024-02-03,800.00,pendente\n",
    })
    assert fields(p, "pacientes.csv")["address"] == ["endereco", "cidade", "estado", "cep"]
    assert p.table_for("compras_equipamentos.csv") is None


def test_a_side_table_of_phone_numbers_is_no_second_patients_file(tmp_path):
    """An Omani SQL Server database keeps phone numbers apart (PatientsNo: PatientID,
    PhoneNo): keyed by the patients' own id column, every id a patient's. Not mapped, and
    the note says a lookup can take the numbers."""
    p = suggest(tmp_path, {
        "Patients.csv": "PatientID,PName,DOB,Gender\nP001,Ishaq,1990-01-02,Male\n"
                        "P002,Fatma,1985-05-06,Female\nP003,Salim,1979-03-04,Male\n",
        "PatientsNo.csv": "PatientID,PhoneNo\nP001,+96891234567\nP002,+96899876543\n"
                          "P003,+96892223344\n",
    })
    assert [tm.source for tm in p.tables if tm.target == "patients"] == ["Patients.csv"]
    assert any(str(n).startswith("PatientsNo.csv: more about Patients.csv's records, by "
                                 "PatientID (PhoneNo)") for n in p.notes)
    assert not any("all look like" in str(n) or "both look like" in str(n) for n in p.notes)


def test_a_familys_medical_history_is_no_family_name(tmp_path):
    """An Egyptian clinic app's patients: one name column, and familyMedicalHistory
    ("family" is a family name's word) holding two-word conditions."""
    p = suggest(tmp_path, {"PATIENTS.csv": "name,phone,gender,familyMedicalHistory\n"
                                           "Ahmed Ibrahim,+201901112223,M,Blood pressure\n"
                                           "Mona Sami,+201022314455,F,Diabetes\n"})
    got = fields(p, "PATIENTS.csv")
    assert got["fullName"] == ["name"] and "lastName" not in got


def test_a_professionals_registration_is_the_doctors_licence(tmp_path):
    p = suggest(tmp_path, {"profissionais_saude.csv":
                           "id_profissional,nome,especialidade,registro_profissional\n"
                           "1,Ana Souza,Cardiologia,CRM-SP 123456\n"
                           "2,Rui Lima,Pediatria,CRM-RJ 654321\n"})
    assert p.table_for("profissionais_saude.csv").target == "doctors"
    assert fields(p, "profissionais_saude.csv")["licenseNumber"] == ["registro_profissional"]


def test_the_day_a_result_was_delivered_is_not_the_result(tmp_path):
    """A Turkish clinic's lab tests: Sonuc (result) is a word of SonucTeslimTarihi, the
    day the result was delivered; a date is no result value."""
    p = suggest(tmp_path, {
        "Hasta.csv": "HastaID,Ad,Soyad,Telefon\nH1,Ali,Kaya,+905321112233\n"
                     "H2,Ayse,Demir,+905324445566\n",
        "LaboratuvarTestleri.csv": "TestID,HastaID,TestAdi,SonucTeslimTarihi\n"
                                   "1,H1,Hemogram,2025-05-14\n2,H2,Glukoz,2025-05-15\n"})
    assert "resultValue" not in fields(p, "LaboratuvarTestleri.csv")


def test_records_that_mostly_belong_to_no_admission_are_visits_of_their_own(tmp_path):
    """A Kenyan HMIS: medical_records (out-patient consultations) beside admissions; a
    record's admissionId is filled only for the few written during a stay, so the file is
    no details of the admissions: both feed visits, asked."""
    rec = ["1,1,,2024-01-15,Hypertension,d1", "2,2,,2024-01-16,Malaria,d1",
           "3,1,,2024-02-01,Asthma,d2", "4,2,10,2024-03-10,Pneumonia,d2",
           "5,1,11,2024-05-02,Fracture,d1", "6,1,,2024-06-02,Flu,d1"]
    p = suggest(tmp_path, {
        "patients.csv": "patientId,name,gender,phone\n1,Wanjiku Kamau,F,+254712345678\n"
                        "2,Otieno Odhiambo,M,+254723456789\n",
        "admissions.csv": "admissionId,patientId,admissionDate,admissionDiagnosis,"
                          "admittingDoctorId\n10,2,2024-03-09,Pneumonia,d2\n"
                          "11,1,2024-05-01,Fracture,d1\n",
        "medical_records.csv": "recordId,patientId,admissionId,visitDate,diagnosis,doctorId\n"
                               + "\n".join(rec) + "\n",
    })
    mapped = {tm.source for tm in p.tables if tm.target == "visits"}
    assert mapped == {"admissions.csv", "medical_records.csv"}


def test_a_column_named_for_another_things_id_is_no_reference_by_value(tmp_path):
    """A Russian clinic's lab results: clinic_id (1-3) and createdBy hold the same small
    numbers as the visits' ids, by chance; neither is the visit a result belongs to."""
    p = suggest(tmp_path, {
        "patients.csv": "patient_id,name,gender,phone\n1,Anna Ivanova,F,+79161234567\n"
                        "2,Ivan Petrov,M,+79167654321\n",
        "visits.csv": "visit_id,patient_id,visit_date\n1,1,2024-01-02\n2,2,2024-01-03\n"
                      "3,1,2024-01-04\n",
        "lab_results.csv": "result_id,patient_id,clinic_id,createdBy,test_name,value\n"
                           "r1,1,1,2,Hemoglobin,13.5\nr2,2,2,3,Glucose,5.4\n"
                           "r3,1,3,1,Creatinine,80\n"})
    assert "visitId" not in fields(p, "lab_results.csv")


def test_two_visit_files_numbered_alike_are_no_side_table(tmp_path):
    """Out-patient and in-patient visits, each numbering its VisitID 1..N: the ids overlap
    by chance, and each file has its own dates: both feed visits, asked."""
    p = suggest(tmp_path, {
        "patients.csv": "PatientID,name,gender,phone\n1,Ann Lee,F,+14155550101\n"
                        "2,Bob Roe,M,+14155550102\n",
        "outpatient_visits.csv": "VisitID,PatientID,VisitDate,Diagnosis\n1,1,2024-01-02,Flu\n"
                                 "2,2,2024-01-03,Cough\n3,1,2024-01-04,Asthma\n",
        "inpatient_visits.csv": "VisitID,PatientID,AdmitDate,Ward\n1,2,2024-02-02,A\n"
                                "2,1,2024-03-03,B\n"})
    assert {tm.source for tm in p.tables if tm.target == "visits"} == \
        {"outpatient_visits.csv", "inpatient_visits.csv"}


def test_a_staff_file_sharing_a_bare_id_is_no_register_of_the_doctors(tmp_path):
    """doctors.csv (id, specialty, licence) and staff.csv (id, name, role): both number
    their own rows; the doctors file stays the doctors."""
    p = suggest(tmp_path, {
        "doctors.csv": "id,specialty,license_no\n1,Cardiology,L-1\n2,Pediatrics,L-2\n",
        "staff.csv": "id,name,role,phone\n1,Ann Lee,Nurse,+14155550101\n"
                     "2,Bob Roe,Clerk,+14155550102\n3,Cy Doe,Porter,+14155550103\n"})
    assert p.table_for("doctors.csv").target == "doctors"
    assert p.table_for("staff.csv") is None or p.table_for("staff.csv").target != "doctors"


def test_a_running_balance_is_never_the_total(tmp_path):
    """Payments with Amount, BalanceBefore and BalanceAfter: BalanceBefore = Amount +
    BalanceAfter in every record, but the amount paid is the column called Amount."""
    p = suggest(tmp_path, {"payments.csv": "PaymentID,BillID,PaidOn,Amount,BalanceBefore,"
                                           "BalanceAfter\n1,B1,2024-01-02,100,500,400\n"
                                           "2,B2,2024-01-03,50,80,30\n"
                                           "3,B3,2024-01-04,20,120,100\n"})
    assert fields(p, "payments.csv")["amount"] == ["Amount"]


@pytest.mark.parametrize("beside", ["", ",cidade"])
def test_two_letter_codes_are_a_state_only_beside_a_city(tmp_path, beside):
    """estado holding AC/IN (active, inactive) is a status; SP/RJ beside a city, a state."""
    codes = ["SP", "RJ"] if beside else ["AC", "IN"]
    rows = "\n".join(f"{i},Ana Souza{i},Rua {i}" + (",São Paulo" if beside else "") +
                     f",{codes[i % 2]}" for i in range(1, 4))
    p = suggest(tmp_path, {"pacientes.csv": f"id,nome,endereco{beside},estado\n{rows}\n"})
    assert ("estado" in fields(p, "pacientes.csv")["address"]) == bool(beside)


def test_a_prefixed_name_beside_a_last_name_is_the_given_name(tmp_path):
    """A Thai clinic app: ptName beside ptLname (the pt prefix is the table's) is the given
    name, and the full name joins both; emp_name and emp_lname likewise for a doctor."""
    p = suggest(tmp_path, {
        "patient.csv": "pt_id,ptName,ptLname,pt_sex,pt_tel\n1,Somchai,Jaidee,M,0812345678\n"
                       "2,Suda,Meesuk,F,0898765432\n",
        "doctor.csv": "emp_id,emp_name,emp_lname,emp_tel\n1,Anan,Srisuk,0811111111\n"
                      "2,Pim,Thongdee,0822222222\n"})
    got = fields(p, "patient.csv")
    assert got["firstName"] == ["ptName"] and got["lastName"] == ["ptLname"]
    assert got["fullName"] == ["ptName", "ptLname"]
    assert fields(p, "doctor.csv")["fullName"] == ["emp_name", "emp_lname"]


def test_a_guardians_phone_and_a_bills_other_amounts(tmp_path):
    """A Manila hospital's patients: guardian_contact is the guardian's phone, never the
    patient's; its bills: total_amount beside final_amount (after a PhilHealth discount):
    the amount taken is asked, the other named."""
    p = suggest(tmp_path, {
        "patients.csv": "patient_id,first_name,last_name,guardian_contact\n"
                        "1,Jose,Rizal,09171234567\n2,Maria,Clara,09181234567\n",
        "billings.csv": "bill_id,patient_id,bill_date,total_amount,discount_amount,"
                        "final_amount\n1,1,2024-01-02,1000,500,500\n"
                        "2,2,2024-01-03,800,0,800\n"})
    assert "phone" not in fields(p, "patients.csv")
    amount = p.table_for("billings.csv").fields["amount"]
    assert amount.review and "final_amount" in amount.reason


def test_address_parts_named_with_the_word_address(tmp_path):
    """An Ecuadorian system: direccionCasa, direccionCalle, direccionCiudad."""
    p = suggest(tmp_path, {"Paciente.csv": "idPaciente,nombre,direccionCasa,direccionCalle,"
                                          "direccionCiudad\n1,Ana Paz,12,Av. Amazonas,Quito\n"
                                          "2,Luis Vera,7,Calle Larga,Cuenca\n"})
    assert set(fields(p, "Paciente.csv")["address"]) == {"direccionCasa", "direccionCalle",
                                                         "direccionCiudad"}


def test_a_zip_code_and_the_country_are_parts_of_the_address(tmp_path):
    p = suggest(tmp_path, {"patients.csv": "Email,FirstName,LastName,AddressLine1,"
                                           "AddressLine2,City,State,ZipCode,Country\n"
                           "a@x.com,Ann,Lee,1 Main St,Apt 2,Ruston,LA,71270,USA\n"
                           "b@x.com,Bob,Roe,2 Oak St,,Grambling,LA,71245,USA\n"})
    assert fields(p, "patients.csv")["address"] == [
        "AddressLine1", "AddressLine2", "City", "State", "ZipCode", "Country"]


def test_a_second_file_for_a_table_must_be_named_as_one(tmp_path):
    """Surgeries (patient, doctor, date, cost) fit visits by their columns, but nothing in
    their name says they are visits: beside the visits file, they are not mapped."""
    p = suggest(tmp_path, {
        "patients.csv": "patient_id,name,gender,phone\n1,Asha Rao,F,9811111111\n",
        "visits.csv": VISITS_HEADER.replace("diagnosis", "reason") + "v1,1,d1,2022-01-02,Flu\n",
        "surgeries.csv": "surgery_id,patient_id,doctor_id,date,cost\ns1,1,d1,2022-02-02,900\n",
    })
    assert [tm.source for tm in p.tables if tm.target == "visits"] == ["visits.csv"]


def test_appointments_become_visits_only_when_a_person_says_so(tmp_path):
    p = suggest(tmp_path, {"appointments.csv": "appointment_id,patient_id,doctor_id,"
                                               "appointment_date,status\n"
                                               "1,1,1,2022-01-02,Cancelled\n"})
    tm = p.table_for("appointments.csv")
    assert tm.target == "visits" and tm.review
    assert any("never took place" in n for n in p.notes)


def test_a_reference_no_name_gives_is_found_by_its_values(tmp_path):
    p = suggest(tmp_path, {
        "patients.csv": "patientId,fullName,gender,phone\nP1,Asha Rao,F,9811111111\n"
                        "P2,Li Wei,M,9822222222\nP3,Omar Ali,M,9833333333\n",
        "visits.csv": "visitId,who,visitDate\nv1,P1,2022-01-02\nv2,P2,2022-01-03\n"
                      "v3,P1,2022-01-04\n",
    })
    fm = p.table_for("visits.csv").fields["patientId"]
    assert fm.columns == ["who"] and fm.review and "patients.csv's ids" in fm.reason


def test_the_start_of_a_visit_is_its_date_not_its_end(tmp_path):
    p = suggest(tmp_path, {"visit_occurrence.csv": "visit_occurrence_id,person_id,"
                                                   "visit_end_date,visit_start_date\n"
                                                   "1,1,2022-01-05,2022-01-02\n"})
    assert fields(p, "visit_occurrence.csv")["visitDate"] == ["visit_start_date"]
    assert fields(p, "visit_occurrence.csv")["patientId"] == ["person_id"]


def test_address_parts_are_joined_into_the_address(tmp_path):
    p = suggest(tmp_path, {"patients.csv": "Id,FIRST,LAST,GENDER,ADDRESS,CITY,STATE,ZIP\n"
                                           "1,Asha,Rao,F,12 MG Road,Pune,MH,411001\n"})
    fm = p.table_for("patients.csv").fields["address"]
    assert fm.columns == ["ADDRESS", "CITY", "STATE", "ZIP"] and fm.steps == [{"concat": ", "}]


def test_times_with_a_zone_are_asked_about(tmp_path):
    p = suggest(tmp_path, {"encounters.csv": "Id,PATIENT,PROVIDER,START\n"
                                             "e1,p1,d1,2019-02-17T10:15:00Z\n"
                                             "e2,p2,d1,2019-03-01T20:00:00Z\n"})
    fm = p.table_for("encounters.csv").fields["visitDate"]
    assert fm.columns == ["START"] and fm.review
    assert any("carry a time zone" in n for n in p.notes)


def test_iso_dates_alone_leave_the_day_month_order_to_the_data(tmp_path):
    """A sample of ISO dates says nothing of day or month first: the region's custom was
    applied unseen to the rest of the file; now the run settles it from the data."""
    p = suggest(tmp_path, {"visits.csv": "visitId,patientId,doctorId,visitDate\n"
                                         "v1,p1,d1,2023-01-02\nv2,p2,d1,2023-02-03\n"})
    fm = p.table_for("visits.csv").fields["visitDate"]
    assert fm.steps == [{"date": {"order": "auto"}}]


VISITS_HEADER = "visit_id,patient_id,doctor_id,visit_date,diagnosis\n"
PATIENTS = "patient_id,name,gender,phone\n1,Asha Rao,F,9811111111\n2,Li Wei,M,9822222222\n"


def test_a_years_file_beside_the_next_is_one_table_in_two_parts(tmp_path):
    p = suggest(tmp_path, {
        "patients.csv": PATIENTS,
        "visits_2022.csv": VISITS_HEADER + "v1,1,d1,2022-01-02,Asthma\n"
                                           "v2,2,d1,2022-03-02,Flu\n",
        "visits_2023.csv": VISITS_HEADER + "v3,1,d1,2023-01-02,Asthma\n"
                                           "v4,2,d1,2023-03-02,Cough\n",
    })
    assert {tm.source for tm in p.tables if tm.target == "visits"} == \
        {"visits_2022.csv", "visits_2023.csv"}


def test_a_copy_of_a_file_under_another_name_is_not_mapped_twice(tmp_path):
    """A German ED export shipped its admissions twice (aufnahmen.csv and a byte-for-byte
    Klinik_Notaufnahmen.csv): both mapped would double every visit."""
    rows = "v1,1,d1,2022-01-02,Asthma\nv2,2,d1,2022-03-02,Flu\nv3,1,d1,2022-04-02,Flu\n"
    p = suggest(tmp_path, {"patients.csv": PATIENTS,
                           "visits.csv": VISITS_HEADER + rows,
                           "clinic_register.csv": VISITS_HEADER + rows})
    assert [tm.source for tm in p.tables if tm.target == "visits"] == ["visits.csv"]
    assert any(n.text.startswith("clinic_register.csv: shaped like visits.csv") and
               "3 of its first 3 records are in visits.csv too" in n for n in p.notes)


def test_records_that_are_parts_of_anothers_are_not_more_of_them(tmp_path):
    """FHIR ICU stays are Encounters too, each partOf a hospital Encounter: mapped as
    visits beside their encounters, every ICU stay would be a second visit."""
    head = "id,subject,period_start,status"
    p = suggest(tmp_path, {
        "patients.csv": PATIENTS,
        "Encounter.csv": head + "\nE-1,1,2022-01-02,finished\nE-2,2,2022-03-02,finished\n"
                                "E-3,1,2022-05-02,finished\n",
        "EncounterICU.csv": head + ",partOf\nI-1,1,2022-01-03,finished,Encounter/E-1\n"
                                   "I-2,2,2022-03-03,finished,Encounter/E-2\n",
    })
    assert [tm.source for tm in p.tables if tm.target == "visits"] == ["Encounter.csv"]
    assert any("its partOf points to Encounter.csv's records" in n for n in p.notes)


def test_the_visits_with_their_diagnoses_fit_visits_better_than_bookings(tmp_path):
    """An HMS export's appointments (patient, doctor, date, status) and its medical records
    (the same and a diagnosis, a treatment plan): the records are the visits."""
    p = suggest(tmp_path, {
        "patients.csv": PATIENTS,
        "appointments.csv": "appointment_id,patient_id,doctor_id,appointment_date,status\n"
                            "1,1,1,2022-01-02,Completed\n2,2,1,2022-01-03,Cancelled\n",
        "medical records.csv": "record_id,patient_id,doctor_id,diagnosis,treatment_plan,"
                               "record_date\n7,1,1,Asthma,inhaler,02-01-2022\n"
                               "8,2,1,Flu,rest,03-01-2022\n",
    })
    tm = p.table_for("medical records.csv")
    assert tm.target == "visits" and tm.legacy_id == "record_id"
    assert tm.review  # the bookings looked like visits too: a person confirms
    assert p.table_for("appointments.csv") is None


@pytest.mark.parametrize("plural, one", [("records", "record"), ("studies", "study"),
                                         ("status", "status"), ("class", "class"),
                                         ("ids", "ids")])
def test_plural_names_are_read_as_their_singular(plural, one):
    from wizard.core.suggest import singular
    assert singular(plural) == one


def test_an_age_comes_from_a_birth_date_a_spreadsheet_shortened(tmp_path):
    p = suggest(tmp_path, {"PATIENTS.csv": "ROW_ID,SUBJECT_ID,GENDER,DOB\n"
                                           "1,10006,F,3/5/94 0:00\n2,10011,F,6/5/90 0:00\n"
                                           "3,10013,M,9/23/38 0:00\n"})
    fm = p.table_for("PATIENTS.csv").fields["age"]
    assert fm.columns == ["DOB"] and fm.review


def test_an_age_comes_from_a_birth_year_when_there_is_no_birth_date(tmp_path):
    """OMOP's person table: year_of_birth, its month and day empty."""
    p = suggest(tmp_path, {"person.csv": "person_id,year_of_birth,month_of_birth,"
                                         "gender_source_value\n1,1955,,M\n2,2116,,F\n"
                                         "3,1990,,F\n"})
    fm = p.table_for("person.csv").fields["age"]
    assert fm.columns == ["year_of_birth"] and fm.steps == ["age_from_year"] and fm.review
    assert "33% of the sample are years to come" in fm.reason


def test_the_reason_for_a_visit_is_a_note_not_a_diagnosis(tmp_path):
    p = suggest(tmp_path, {"patients.csv": PATIENTS,
                           "visits.csv": "visit_id,patient_id,doctor_id,visit_date,"
                                         "reason_for_visit\nv1,1,d1,2022-01-02,Chest pain\n"})
    assert fields(p, "visits.csv")["notes"] == ["reason_for_visit"]
    assert "diagnosis" not in fields(p, "visits.csv")


def test_a_likely_name_is_asked_never_sure(tmp_path):
    """A patient register's admission date is probably when the patient was registered;
    a doctor record's creation date probably when the doctor joined: asked."""
    p = suggest(tmp_path, {
        "patients.csv": "patient_id,name,gender,phone,admission_date\n"
                        "1,Asha Rao,F,9811111111,2021-03-04\n2,Li Wei,M,9822222222,2021-05-06\n",
        "doctors.csv": "doctor_id,name,specialty,created_at\n7,Dr Rao,Cardiology,2020-01-01\n"
                       "8,Dr Li,Oncology,2020-02-01\n"})
    reg = p.table_for("patients.csv").fields["registrationDate"]
    join = p.table_for("doctors.csv").fields["joinDate"]
    assert reg.columns == ["admission_date"] and join.columns == ["created_at"]
    assert reg.review and join.review and reg.confidence <= 0.8


def test_details_pointing_to_a_tables_records_are_not_that_table(tmp_path):
    """A capstone export's treatments (patient, doctor, date, cost, each with its
    appointment's id) fit visits as well as its appointments do: the appointments are the
    visits, the treatments their details."""
    p = suggest(tmp_path, {
        "patients.xlsx.csv": PATIENTS,
        "appointments.csv": "patient_id,doctor_id,appointment_id,appointment_date,status\n"
                            "1,1,A1,2022-01-02,Completed\n2,1,A2,2022-01-03,Completed\n"
                            "1,1,A3,2022-01-04,No-show\n",
        "treatments.csv": "treatment_id,appointment_id,treatment_type,description,cost,"
                          "treatment_date,doctor_id,patient_id\n"
                          "T1,A1,X-Ray,Chest,100,2022-01-02,1,1\n"
                          "T2,A2,MRI,Head,300,2022-01-03,1,2\n",
    })
    assert p.table_for("appointments.csv").target == "visits"
    tm = p.table_for("treatments.csv")
    assert tm is None or tm.target != "visits"


def test_a_doctors_first_and_last_names_make_the_full_name(tmp_path):
    p = suggest(tmp_path, {"doctors.csv": "doctor_id,first_name,last_name,specialization\n"
                                          "1,Asha,Rao,Cardiology\n2,Li,Wei,Oncology\n"})
    assert fields(p, "doctors.csv")["fullName"] == ["first_name", "last_name"]


def test_a_tests_id_in_a_lab_result_is_its_code(tmp_path):
    p = suggest(tmp_path, {"lab_results.csv": "lab_result_id,lab_test_id,patient_id,"
                                              "result_value,result_date\n"
                                              "1,15,220,142.3,2024-02-26\n"
                                              "3,3,26,145.7,2024-08-16\n"
                                              "4,15,27,139.0,2024-08-17\n"})
    assert p.table_for("lab_results.csv").legacy_id == "lab_result_id"
    assert fields(p, "lab_results.csv")["testCode"] == ["lab_test_id"]


def test_two_columns_naming_one_field_are_a_persons_choice(tmp_path):
    """A bill with Amount (the service's price) and Total: either may be the bill's amount."""
    p = suggest(tmp_path, {"billing.csv": "Bill_ID,Patient_ID,Date,Amount,Total\n"
                                          "4006,1087,6/7/2025,29884,41140\n"
                                          "4012,1203,6/7/2025,15903,82990\n"})
    fm = p.table_for("billing.csv").fields["amount"]
    assert fm.columns == ["Amount"] and fm.review and "Total fits it too" in fm.reason


PACIENTES = ("Código|Nome|DataNasc|Sexo|Estado|Endereco|Cidade|CEP\n"
             "0|Pedro Porto|1996|M| RJ|Quadra Dias, 482|Ramos|31924-681\n"
             "1|João Paz|1959|M| AP|Setor Nunes|Nogueira|28517-970\n"
             "2|Ana Lima||F| SP|Rua Sete, 12|Campinas|13010-000\n"
             "3|Rita Melo|1983|F| BA|Av. Sul, 9|Salvador|40010-000\n")


def test_a_column_repeating_the_patients_ids_makes_a_file_an_event(tmp_path):
    """A Brazilian practice's medical record (evolucao): its patient column is named as
    the patients' own (Código), not "patient"; its values are theirs."""
    p = suggest(tmp_path, {
        "pacientes.csv": PACIENTES,
        "evolucao.csv": "Código|Data|Procedimento|Medico|Evolução\n"
                        "0|20200102|Consulta|José|HDA: dor\n1|20200103|Retorno|José|ok\n"
                        "0|20200104|Consulta|Maria|febre\n3|20200105|Consulta|Maria|tosse\n",
    })
    tm = p.table_for("evolucao.csv")
    assert tm is not None and tm.target == "visits"
    assert fields(p, "evolucao.csv")["patientId"] == ["Código"]


def test_birth_dates_that_are_years_alone_give_an_age(tmp_path):
    p = suggest(tmp_path, {"pacientes.csv": PACIENTES})
    fm = p.table_for("pacientes.csv").fields["age"]
    assert fm.columns == ["DataNasc"] and fm.steps == ["age_from_year"]


def test_estado_beside_an_address_is_its_state_not_a_status(tmp_path):
    p = suggest(tmp_path, {"pacientes.csv": PACIENTES})
    assert fields(p, "pacientes.csv")["address"] == ["Endereco", "Cidade", "Estado", "CEP"]
    status = PACIENTES.replace(" RJ", "Ativo").replace(" AP", "Inativo").replace(
        " SP", "Ativo").replace(" BA", "Ativo")
    (tmp_path / "b").mkdir()
    p = suggest(tmp_path / "b", {"pacientes.csv": status})
    assert "Estado" not in fields(p, "pacientes.csv")["address"]


def test_a_visits_creation_time_is_its_likely_date(tmp_path):
    p = suggest(tmp_path, {"patients.csv": PATIENTS,
                           "hospital_visits.csv": "visit_id,patient_id,created_at\n"
                                                  "v1,1,2022-01-02 10:00\nv2,2,2022-01-03 11:00\n"})
    fm = p.table_for("hospital_visits.csv").fields["visitDate"]
    assert fm.columns == ["created_at"] and fm.review


def test_the_region_comes_from_international_numbers_in_any_column(tmp_path):
    """Zambian numbers with their country code in a column named for nothing (a file with
    no column names, a key inside a JSON object): the region is theirs, not the default."""
    p = suggest(tmp_path, {"clients.csv": "id,nm,c4\n1,Bwalya Chisanga,+260 977 123456\n"
                                          "2,Chanda Banda,+260 966 654321\n"})
    assert p.phone_region == "ZM"
    assert any("phone region ZM" in str(n) for n in p.notes)


def test_the_region_comes_from_a_country_column_and_says_so(tmp_path):
    p = suggest(tmp_path, {"pacientes.csv": "id,nome,telefone,pais\n"
                                            "1,Ana,(21) 99313-9128,Brasil\n"
                                            "2,Rui,(11) 98202-2566,Brasil\n"})
    assert p.phone_region == "BR"
    assert any("phone region BR, from the country column pacientes.csv.pais" in n
               for n in p.notes)
    assert not p.table_for("pacientes.csv").fields["phone"].review


def test_numbers_that_do_not_fit_the_assumed_region_are_asked(tmp_path):
    """National numbers, no country named: read as IN only where they are Indian numbers."""
    p = suggest(tmp_path, {"patients.csv": "patient_id,name,phone\n"
                                           "1,Ana,(021) 9313-9128\n2,Rui,(011) 5202 2566\n"})
    fm = p.table_for("patients.csv").fields["phone"]
    assert p.phone_region == "IN" and fm.review and "valid numbers of IN" in fm.reason
    assert any("nothing in the export names the country: read as IN" in n for n in p.notes)
    (tmp_path / "in").mkdir()
    p = suggest(tmp_path / "in", {"patients.csv": "patient_id,name,phone\n"
                                                  "1,Ana,9811111111\n2,Rui,98220 22222\n"})
    assert not p.table_for("patients.csv").fields["phone"].review
    assert any("read as IN" in n for n in p.notes)


def test_the_clinics_time_zone_is_offered_from_its_country(tmp_path):
    visits = ("visit_id,patient_id,visit_date\nv1,1,2022-01-02T20:00:00Z\n"
              "v2,2,2022-01-03T09:30:00Z\n")
    p = suggest(tmp_path, {"patients.csv": "patient_id,name,phone,country\n"
                                           "1,Jan,030 1234567,Germany\n2,Eva,030 7654321,DE\n",
                           "visits.csv": visits})
    assert p.timezone == "Europe/Berlin"
    assert p.table_for("visits.csv").fields["visitDate"].review  # still confirmed by a person
    assert any("are read in Europe/Berlin, the time zone of DE" in n for n in p.notes)
    assert not any("set the clinic's time zone" in n for n in p.notes)
    (tmp_path / "us").mkdir()
    p = suggest(tmp_path / "us", {"patients.csv": "patient_id,name,phone,country\n"
                                                  "1,Jan,2025550143,USA\n2,Eva,2025550199,US\n",
                                  "visits.csv": visits})
    assert p.timezone is None
    assert any("US (from the country column patients.csv.country) has several time zones: "
               "America/New_York" in n for n in p.notes)


@pytest.mark.parametrize("value, region", [("Brazil", "BR"), ("br", "BR"), ("Deutschland", "DE"),
                                           ("United Kingdom", "GB"), ("España", "ES"),
                                           ("Atlantis", None), ("", None)])
def test_country_names_and_codes_are_read(value, region):
    from wizard.core.places import region_of
    assert region_of(value) == region


def test_a_link_table_is_no_table(tmp_path):
    p = suggest(tmp_path, {
        "doctors.csv": "id,full_name,specialization\n1,Dr Lan,Nhi khoa\n2,Dr Minh,Da liễu\n",
        "doctors_patients.csv": "doctor_id,patient_id\n1,5\n2,6\n1,7\n",
    })
    assert p.table_for("doctors.csv").target == "doctors"
    assert p.table_for("doctors_patients.csv") is None
    assert any("doctors_patients.csv: a link table (doctor_id, patient_id)" in n
               for n in p.notes)


def test_a_link_table_named_id_first_to_a_list_is_no_table(tmp_path):
    # Polish names the id first (id_lekarza: the doctor's id), and a doctor's specialties
    # point at a list HMSync has no table for: still references and nothing of their own
    p = suggest(tmp_path, {
        "pracownicy.csv": "id_pracownika,imie,nazwisko,zatrudniony_od\n"
                          "2,Anna,Nowak,2001-03-02\n3,Jan,Mazur,2005-06-07\n",
        "lekarze_specjalizacje.csv": "id_lekarza,id_specjalizacji\n2,8\n2,7\n3,1\n",
    })
    assert p.table_for("lekarze_specjalizacje.csv") is None
    assert any("lekarze_specjalizacje.csv: a link table (id_lekarza, id_specjalizacji)" in n
               for n in p.notes)
    assert p.table_for("pracownicy.csv").target == "doctors"


def test_a_patients_file_with_no_names_does_not_outrank_the_people(tmp_path):
    # each patient's family doctor over a period, keyed by the patient's id and named for
    # patients: the people with their names and birth dates are the patients
    p = suggest(tmp_path, {
        "pacjenci.csv": "imie,nazwisko,data_urodzenia,plec\nDanuta,Kowalska,16.12.1954,F\n"
                        "Paweł,Bąk,12.09.1988,M\nEwa,Lis,01.02.1970,F\n",
        "pacjenci_lpk.csv": "id_pacjenta,id_lekarza,od,do\n1,2,2008-10-06,2009-09-06\n"
                            "2,28,2015-06-04,2015-12-04\n3,2,2011-01-01,\n",
    })
    assert p.table_for("pacjenci.csv").target == "patients"
    assert p.table_for("pacjenci_lpk.csv") is None


def test_a_pathology_bill_named_for_tests_is_not_applied_as_tests(tmp_path):
    # a Bangladeshi HMS's pathology_log: one bill per pathology order (money, status), no
    # test named in it; its Test_No is the order's number, never a test's name
    p = suggest(tmp_path, {
        "patients.csv": "P_ID,Patient_Name,Gender\nM-001,Rahim Uddin,Male\n"
                        "M-002,Karima Begum,Female\n",
        "pathology_log.csv": "AI_ID,Test_No,P_ID,Discount,Payment_Status,Total_Amount,"
                             "Payable_Amount,Reg_Date\n19,1,M-001,20,Paid,5900,4720,2021-12-12\n"
                             "20,2,M-002,0,Due,800,800,2021-12-13\n",
    })
    tm = p.table_for("pathology_log.csv")
    assert tm is None or tm.review
    assert tm is None or "testName" not in tm.fields


def test_a_files_own_id_is_no_pointer_to_the_table_it_is_named_for(tmp_path):
    # MedBilling's BillingID numbers its own bills; with a payment method beside the total
    # it looked like payments of the bills (billId <- BillingID, 0.96)
    p = suggest(tmp_path, {
        "Patient.csv": "PatientID,Name,Gender\n1,Ali Khan,M\n2,Sara Ahmed,F\n3,Omar Raza,M\n",
        "DoctorFeeBilling.csv": "BillID,PatientID,Date,Amount\n1,1,2024-03-02,2500\n"
                                "2,2,2024-03-09,1600\n3,3,2024-03-10,1600\n",
        "MedBilling.csv": "BillingID,PrescriptionID,Date,TotalAmount,PaymentMethod\n"
                          "1,1,2024-03-02,1500.00,Cash\n2,2,2024-03-09,1600.00,Credit Card\n"
                          "3,3,2024-03-10,900.00,Cash\n",
    })
    tm = p.table_for("MedBilling.csv")
    assert tm is None or tm.target != "payments"


def test_doctors_subtype_keyed_by_its_own_id_names_the_staff_register(tmp_path):
    # SQL Server's ERMS: Doctor (DoctorID, Specialization, OPDCharges) says which employees
    # are doctors; the names are in Employee (EmpID, EmpName, ...): the register is the
    # doctors' source, asked
    p = suggest(tmp_path, {
        "Employee.csv": "EmpID,EmpName,Contact,JobTitle,DeptID\n"
                        "1,Ali Khan,0300-1234567,Cardiologist,1\n"
                        "2,Sara Ahmed,0312-9876543,Orthopedic Surgeon,1\n"
                        "3,Hina Aslam,0321-5554433,Nurse,2\n4,Bilal Shah,0333-1112223,Clerk,3\n",
        "Doctor.csv": "DoctorID,Specialization,OPDCharges\n1,Cardiologist,2500\n"
                      "2,Orthopedic Surgeon,1600\n",
    })
    assert p.table_for("Doctor.csv") is None
    tm = p.table_for("Employee.csv")
    assert tm.target == "doctors" and tm.review
    assert any("Doctor.csv: says which of Employee.csv's records are doctors "
               "(DoctorID = EmpID)" in str(n) for n in p.notes)


def test_a_visit_naming_someone_beside_the_patient_is_asked(tmp_path):
    # a Sarajevo hospital's posjeta: a visitor's first and last name, the day, the patient
    # visited; "posjeta" is "visit", and its own id is visit's
    p = suggest(tmp_path, {
        "pacijent.csv": "pacijent_id,ime,prezime\n1,Amra,Hodžić\n2,Edin,Kovač\n",
        "posjeta.csv": "posjeta_id,ime,prezime,datum_posjete,pacijent_id\n"
                       "1,Jusko,Jusić,2020-11-07,1\n2,Ilma,Mekić,2020-11-07,1\n"
                       "3,Emir,Matić,2020-11-05,2\n",
    })
    tm = p.table_for("posjeta.csv")
    assert tm.target == "visits" and tm.review
    assert any("posjeta.csv: ime, prezime name a person beside the patient pacijent_id "
               "points to" in str(n) for n in p.notes)


@pytest.mark.parametrize("first, last", [("prenomP", "nomP"), ("PRENOM_EMP", "NOM_EMP"),
                                         ("primeiro_nome", "ultimo_nome")])
def test_first_and_family_names_with_a_shared_tag_make_the_full_name(tmp_path, first, last):
    # a French course project's Patient (numPatient, nomP, prenomP): "nom" beside "prénom"
    # is the family name, whatever tag both carry; Portuguese primeiro / último nome
    p = suggest(tmp_path, {
        "Patient.csv": f"numPatient,{last},{first},sexe\n1,Martin,Jeanne,F\n"
                       "2,Bernard,Louis,M\n3,Petit,Anne,F\n"})
    got = fields(p, "Patient.csv")
    assert got["fullName"] == [first, last]
    assert got["lastName"] == [last] and got["firstName"] == [first]


def test_an_id_named_number_first_is_the_records_own(tmp_path):
    # Oracle in French: NUM_PATIENT, the patient's number
    p = suggest(tmp_path, {
        "PATIENT.csv": "NUM_PATIENT,NOM_PATIENT,PRENOM_PATIENT,TEL_PATIENT\n"
                       "P1,Benali,Amina,0550123456\nP2,Haddad,Karim,0661234567\n"})
    assert p.table_for("PATIENT.csv").legacy_id == "NUM_PATIENT"


def test_a_patients_file_whose_names_are_empty_is_not_lifted(tmp_path):
    # an Indonesian clinic's BPJS (insurance) register: numbers, its name columns empty
    p = suggest(tmp_path, {
        "pasien.csv": "no_rm,nm_pasien,jk_pasien,tgl_lahir\nRM1,Budi Santoso,L,1980-01-02\n"
                      "RM2,Siti Aminah,P,1975-03-04\nRM3,Agus Salim,L,1990-05-06\n",
        "pasien_bpjs.csv": "no_bpjs,no_rm_bpjs,nm_pasien_bpjs,jk_bpjs\n0000029247423,RM1,,\n"
                           "1234567891,RM2,,\n2234567891,RM3,,\n"})
    assert p.table_for("pasien.csv").target == "patients"
    assert p.table_for("pasien_bpjs.csv") is None


def test_a_file_named_as_one_table_is_not_taken_as_another_unasked(tmp_path):
    # a Malawian clinic's payment.csv (an invoice: patient, doctor, date, total, status)
    # filled more of visits' fields than the appointments did, and took visits
    p = suggest(tmp_path, {
        "patient.csv": "id,name,sex,phone\n33,Chisomo Banda,F,0991234567\n"
                       "34,Kondwani Phiri,M,0888765432\n35,Tiwonge Mwale,F,0997654321\n",
        "appointment.csv": "id,patient,doctor,date,remarks,status\n"
                           "414,33,149,2022-05-17,FEVER,Confirmed\n"
                           "415,34,149,2022-05-21,headache,Treated\n"
                           "416,35,150,2022-05-22,cough,Treated\n",
        "payment.csv": "id,patient,doctor,date,amount,vat,discount,gross_total,status\n"
                       "1,33,149,2022-05-17,5000,0,0,5000,paid\n"
                       "2,34,149,2022-05-21,3000,0,0,3000,unpaid\n"
                       "3,35,150,2022-05-22,2000,0,0,2000,paid\n",
    })
    assert p.table_for("appointment.csv").target == "visits"
    assert p.table_for("payment.csv").target != "visits"


def test_vietnamese_run_together_syllables_map_a_clinics_records(tmp_path):
    # a Ho Chi Minh City clinic's JSON: PascalCase Vietnamese without its marks
    p = suggest(tmp_path, {
        "customers.json": '[{"MaUser":"USER001","NgaySinh":"1990-05-15","GioiTinh":"Nam",'
                          '"DiaChi":"12 Lê Lợi, Quận 1"},{"MaUser":"USER002","NgaySinh":'
                          '"1985-03-02","GioiTinh":"Nữ","DiaChi":"5 Hai Bà Trưng, Quận 3"}]',
        "medical_records.json": '[{"MaHoSo":"MR001","MaCustomer":"USER001","MaBacSi":"DOC001",'
                                '"NgayKham":"2024-01-15T09:00:00","ChanDoan":"Viêm họng",'
                                '"TrieuChung":"Sốt, ho"},{"MaHoSo":"MR002","MaCustomer":'
                                '"USER002","MaBacSi":"DOC001","NgayKham":"2024-01-16T10:00:00",'
                                '"ChanDoan":"Cảm cúm","TrieuChung":"Đau đầu"}]',
    })
    assert p.table_for("customers.json").target == "patients"
    pats = fields(p, "customers.json")
    assert pats["gender"] == ["GioiTinh"] and pats["address"] == ["DiaChi"]
    assert pats["age"] == ["NgaySinh"]
    visits = fields(p, "medical_records.json")
    assert visits["diagnosis"] == ["ChanDoan"] and visits["visitDate"] == ["NgayKham"]
    assert visits["patientId"] == ["MaCustomer"]


def test_a_register_of_people_is_not_the_patients(tmp_path):
    # a Ugandan hospital's person table (names of patients and staff alike) beside patient
    # (Patient_Id, Person_Id, Date_of_Visit): the visits point at Patient_Id
    p = suggest(tmp_path, {
        "person.csv": "Person_Id,Fname,Lname,DOB,Gender,Phone_Number\n"
                      "2,Ayen,Pauline,1999-09-23,Female,0784747512\n"
                      "3,Wennie,Joan,1988-01-01,Female,0712636001\n"
                      "4,Moses,Okello,1975-05-05,Male,0772000111\n"
                      "5,Grace,Auma,1990-02-02,Female,0752123123\n",
        "patient.csv": "Patient_Id,Patient_Number,Person_Id,Date_of_Visit\n"
                       "1,1,3,2016-10-01\n2,2,4,2018-02-05\n3,2018-0003,5,2018-03-01\n",
        "patient_admission.csv": "Admission_Id,Admission_Date,Patient_Id,Final_Diagnosis\n"
                                 "10,2018-03-17,1,Prolonged labor\n11,2018-04-01,2,Malaria\n"
                                 "12,2018-04-02,3,Anaemia\n",
    })
    assert p.table_for("person.csv") is None
    tm = p.table_for("patient.csv")
    assert tm.target == "patients" and tm.review
    assert any("person.csv: a register of people (Person_Id) that patient.csv points to"
               in str(n) for n in p.notes)


def test_the_specimen_is_no_tests_name(tmp_path):
    # a Ghanaian lab: one result table per test; specimen is the sample (Urine)
    p = suggest(tmp_path, {
        "patients.csv": "patient_id,name,gender,phone\nLP-1,Kofi Boateng,M,0241234567\n"
                        "LP-2,Ama Mensah,F,0201234567\n",
        "pregnancy_test.csv": "id,invoice_id,patient_id,specimen,results,date_added\n"
                              "4,INV-010,LP-1,Urine,Negative,2020-03-08 16:37:18\n"
                              "5,INV-501,LP-2,Urine,Positive,2020-07-26 21:38:09\n",
    })
    got = fields(p, "pregnancy_test.csv") or {}
    assert got.get("testName") != ["specimen"]


def test_what_a_payment_was_for_is_no_way_to_pay(tmp_path):
    # Payment_Type holds Drugs, Lab Tests, Other Services: asked as the mode, never applied
    p = suggest(tmp_path, {
        "payments.csv": "Payment_Id,Time,Patient_Id,Payment_Type,Amount_Paid\n"
                        "9,2018-01-31 11:04:52,1,Drugs,4650\n"
                        "10,2018-02-06 09:40:31,1,Other Services,20000\n"
                        "11,2018-07-20 12:41:22,23,Lab Tests,2000\n"})
    fm = p.table_for("payments.csv").fields.get("mode")
    assert fm is None or fm.review
    (tmp_path / "cash").mkdir()
    cash = suggest(tmp_path / "cash", {
        "payments.csv": "Payment_Id,Time,Patient_Id,Payment_Type,Amount_Paid\n"
                        "9,2018-01-31 11:04:52,1,Cash,4650\n"
                        "10,2018-02-06 09:40:31,1,Mobile Money,20000\n"
                        "11,2018-07-20 12:41:22,23,Card,2000\n"})
    assert fields(cash, "payments.csv")["mode"] == ["Payment_Type"]


def test_two_surnames_are_the_family_name(tmp_path):
    # a Mexican hospital: the father's and the mother's surnames in two columns
    p = suggest(tmp_path, {
        "pacientes.csv": "paciente_id,nombre,apellido_pat,apellido_mat,genero,lastUpdated\n"
                         "1,Georgi,Facello,Ruiz,masculino,2024-01-01\n"
                         "2,Bezalel,Simmel,Lopez,masculino,2024-01-02\n"
                         "3,Parto,Bamford,Diaz,femenino,2024-01-03\n"})
    got = fields(p, "pacientes.csv")
    assert got["lastName"] == ["apellido_pat", "apellido_mat"]
    assert got["fullName"] == ["nombre", "apellido_pat", "apellido_mat"]
    assert p.table_for("pacientes.csv").fields["lastName"].review


def test_a_copy_of_the_file_taken_makes_the_choice_asked(tmp_path):
    # two workbooks of one homework: the doctors twice, the id column renamed in one
    p = suggest(tmp_path, {
        "doctor_old.csv": "num,name_d,soname_d,department_name\n1,Ivan,Petrov,Surgery\n"
                          "2,Olga,Smirnova,Cardiology\n3,Petr,Ivanov,Neurology\n",
        "doctor.csv": "doctor_id,name_d,soname_d,department_name\n1,Ivan,Petrov,Surgery\n"
                      "2,Olga,Smirnova,Cardiology\n3,Petr,Ivanov,Neurology\n",
    })
    taken = [tm for tm in p.tables if tm.target == "doctors"]
    assert len(taken) == 1 and taken[0].review
    assert any("doctor_old.csv and doctor.csv both look like doctors" in str(n)
               for n in p.notes)


def test_a_second_column_that_may_hold_notes_makes_the_notes_asked(tmp_path):
    # symptoms (TrieuChung, the reason) beside the treatment's instructions
    # (HuongDanDieuTri): the notes may be both; neither joined unasked nor left silently
    p = suggest(tmp_path, {
        "medical_records.json": '[{"MaHoSo":"MR001","MaCustomer":"U1","NgayKham":"2024-01-15",'
                                '"TrieuChung":"Sốt","HuongDanDieuTri":"Nghỉ ngơi"},'
                                '{"MaHoSo":"MR002","MaCustomer":"U2","NgayKham":"2024-01-16",'
                                '"TrieuChung":"Ho","HuongDanDieuTri":"Uống nhiều nước"}]'})
    fm = p.table_for("medical_records.json").fields["notes"]
    assert fm.columns == ["TrieuChung"] and fm.review
    assert "HuongDanDieuTri may hold notes too" in fm.reason


def test_an_indonesian_doctors_code_and_specialty(tmp_path):
    # kd_dokter (kode dokter: the doctor's code) and spesialis_dokter
    p = suggest(tmp_path, {
        "DOKTER.csv": "kd_dokter,nama_dokter,spesialis_dokter\nDA01,dr. Andi,Anak\n"
                      "DB02,dr. Budi,Bedah\nDC03,dr. Citra,Kandungan\n"})
    tm = p.table_for("DOKTER.csv")
    assert tm.legacy_id == "kd_dokter"
    assert fields(p, "DOKTER.csv")["specialty"] == ["spesialis_dokter"]


def test_a_laboratorys_tables_one_per_test_all_feed_the_tests(tmp_path):
    # a Ghanaian laboratory: psa.csv, pth.csv, pregnancy_test.csv, alike but for the test
    row = "id,invoice_id,patient_id,results,comments,added_by,date_added\n" \
          "3,INV-{0}-710,LP-2,1000.00,,LM-1,2020-03-09 13:05:13\n" \
          "4,INV-{0}-711,LP-1,12.50,,LM-1,2020-03-10 09:00:00\n"
    p = suggest(tmp_path, {
        "patients.csv": "patient_id,name,gender,phone\nLP-1,Kofi Boateng,M,0241234567\n"
                        "LP-2,Ama Mensah,F,0201234567\n",
        "psa.csv": row.format("PSA"), "pth.csv": row.format("PTH"),
        "pregnancy_test.csv": row.format("PREG"),
    })
    for name in ("psa.csv", "pth.csv", "pregnancy_test.csv"):
        tm = p.table_for(name)
        assert tm is not None and tm.target == "pathology_tests", name
        assert tm.fields["patientId"].columns == ["patient_id"]
    # each record's test is the one its file is named for, asked
    name = p.table_for("psa.csv").fields["testName"]
    assert name.value == "psa" and not name.columns and name.review
    # numbered alike (id 3, 4 in each): each file's ids are its own, prefixed, asked
    assert p.table_for("psa.csv").id_expr == "'psa-' || id"
    assert p.table_for("pth.csv").id_expr == "'pth-' || id"
    assert p.table_for("psa.csv").review
    assert any("number their records alike" in str(n) for n in p.notes)


def test_a_cost_after_its_discount_makes_the_bills_amount_asked(tmp_path):
    p = suggest(tmp_path, {
        "requests.csv": "request_id,patient_id,date_added,discount,total_cost,discounted_cost,"
                        "payment_status\nREQ-1,LP-1,2020-03-16,0,90.00,90.00,Paid\n"
                        "REQ-2,LP-2,2020-03-17,10,200.00,180.00,Unpaid\n"
                        "REQ-3,LP-1,2020-03-18,0,50.00,50.00,Paid\n",
        "patients.csv": "patient_id,name,gender\nLP-1,Kofi Boateng,M\nLP-2,Ama Mensah,F\n",
    })
    fm = p.table_for("requests.csv").fields["amount"]
    assert fm.review and "discounted_cost" in fm.reason


def test_e_mails_of_an_initial_and_the_other_name_say_the_names_are_swapped(tmp_path):
    # a Romanian practice's clienti: nume (family name) holds Glenn, prenume (given name)
    # Le Quesne, and the e-mails are glequesne0@: the initial comes before the family name
    p = suggest(tmp_path, {"clienti.csv": (
        "id_client,nume,prenume,telefon,mail\n1,Glenn,Le Quesne,5321326795,glequesne0@x.com\n"
        "2,Gusti,Labern,7313540295,glabern1@x.com\n3,Maria,Popescu,7313540296,mpopescu@x.com\n"
        "4,Ion,Ionescu,7313540297,iionescu@x.com\n")})
    got = p.table_for("clienti.csv").fields
    assert got["firstName"].review and got["lastName"].review
    assert any("e-mail addresses begin with" in str(n) for n in p.notes)


def test_records_linked_to_no_patient_do_not_outrank_the_appointments(tmp_path):
    # a Saudi clinic: MEDICAL_RECORD (RecordID, AppointmentID, Diagnosis) is the
    # appointment's diagnosis, not the visits; the appointments are
    p = suggest(tmp_path, {
        "PATIENT.csv": "PatientID,FirstName,LastName,Gender,Phone\n1,Omar,Saleh,M,0501234567\n"
                       "2,Sara,Ali,F,0557654321\n",
        "APPOINTMENT.csv": "AppointmentID,PatientID,DoctorID,Date,Time,Status\n"
                           "100,1,10,2025-01-10,10:00:00,Completed\n"
                           "101,2,10,2025-01-11,11:00:00,Completed\n",
        "MEDICAL_RECORD.csv": "RecordID,AppointmentID,Diagnosis,Notes,CreatedDate\n"
                              "500,100,High blood pressure,Follow-up,2025-01-10\n"
                              "501,101,Migraine,Rest,2025-01-11\n",
    })
    assert p.table_for("APPOINTMENT.csv").target == "visits"


def test_staff_with_the_patients_columns_are_not_more_patients(tmp_path):
    head = "id,full_name,phone,address,gender\n"
    p = suggest(tmp_path, {
        "patients.csv": head + "1,Ly Giang,+84901234567,Ha Noi,Female\n"
                               "2,Tran An,+84907654321,Hue,Male\n",
        "staffs.csv": head + "1,Le Binh,+84901111111,Ha Noi,Male\n"
                             "2,Vo Cuc,+84902222222,Hue,Female\n",
    })
    assert [tm.source for tm in p.tables if tm.target == "patients"] == ["patients.csv"]


def test_accented_words_are_read_as_written_without_accents():
    assert words("Téléphone") == ("phone",) and words("Motif") == ("reason",)


def test_a_birth_date_is_offered_over_an_age_as_stored(tmp_path):
    """Open Hospital keeps PAT_AGE (the age on the day it was written) beside PAT_BDATE."""
    p = suggest(tmp_path, {"patients.csv": "PAT_ID,PAT_NAME,PAT_BDATE,PAT_AGE,PAT_SEX\n"
                                           "1,Ana Diaz,1990-09-03,30,F\n"
                                           "2,Luis Paz,1984-08-26,36,M\n"})
    fm = p.table_for("patients.csv").fields["age"]
    assert fm.columns == ["PAT_BDATE"] and fm.steps == [{"age_from_date": {}}]
    assert fm.review and "PAT_AGE holds an age as of some past day" in fm.reason


def test_prenom_and_nom_are_the_first_and_family_names(tmp_path):
    p = suggest(tmp_path, {"patients.csv": "ID Patient;Prénom;Nom;Téléphone\n"
                                           "1;Anne;Dupuis;021 555 12 34\n"
                                           "2;Marc;Favre;021 555 98 76\n",
                           "medecins.csv": "ID Médecin;Prénom;Nom;Spécialité\n"
                                           "1;Jean;Rochat;Cardiologie\n2;Lise;Blanc;Pédiatrie\n"})
    assert fields(p, "patients.csv")["fullName"] == ["Prénom", "Nom"]
    assert fields(p, "patients.csv")["lastName"] == ["Nom"]
    assert fields(p, "medecins.csv")["fullName"] == ["Prénom", "Nom"]


def test_parts_of_a_table_may_carry_bland_names(tmp_path):
    """An ETL exercise's register as Patient1.xlsx#Sheet1, Patient2.csv, ...: "Sheet1" says
    nothing against the others."""
    from openpyxl import Workbook
    export = tmp_path / "export"
    export.mkdir()
    head = ["Patient_ID", "Name", "Age", "Gender"]
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(head)
    ws.append(["P1", "Asha Rao", 34, "F"])
    ws.append(["P2", "Ravi Kumar", 51, "M"])
    wb.save(export / "Patient1.xlsx")
    (export / "Patient2.csv").write_text(",".join(head) + "\nP3,Li Wei,40,M\nP4,Meera,29,F\n")
    tables, errors = open_sources([export])
    p = suggest_profile(tables, known_tables())
    assert {tm.source for tm in p.tables if tm.target == "patients"} == \
        {"Patient1.xlsx#Sheet1", "Patient2.csv"}


def test_columns_prefixed_with_the_tables_abbreviation(tmp_path):
    """Open Hospital names every column after its table (BLL_ID, LAB_RES): the prefix is
    the record's own id's name and says nothing else of a column."""
    p = suggest(tmp_path, {
        "oh_patient.csv": "PAT_ID,PAT_NAME,PAT_SEX\n1,Ana Diaz,F\n2,Luis Paz,M\n3,Eva Sol,F\n",
        "oh_bills.csv": "BLL_ID,BLL_DATE,BLL_ID_PAT,BLL_AMOUNT,BLL_STATUS\n"
                        "10,2022-01-02,1,500,C\n11,2022-01-03,2,300,O\n12,2022-01-04,1,80,C\n",
        "oh_laboratory.csv": "LAB_ID,LAB_DATE,LAB_PAT_ID,LAB_RES,LAB_ACTIVE,LAB_NOTE\n"
                             "7,2022-01-02,1,POSITIVE,1,\n8,2022-01-03,2,12.5,1,\n"
                             "9,2022-01-04,3,NEGATIVE,0,\n",
    })
    assert p.table_for("oh_bills.csv").legacy_id == "BLL_ID"
    lab = fields(p, "oh_laboratory.csv")
    assert lab["resultValue"] == ["LAB_RES"] and "testName" not in lab


@pytest.mark.parametrize("values, expect, asked", [
    (["Nam", "Nữ", "Nam"], {"Nam": "M", "Nữ": "F"}, False),          # Vietnamese
    (["Masculino", "Femenino"], {"Masculino": "M", "Femenino": "F"}, False),
    (["H", "M", "M"], {"H": "M", "M": "F"}, True),                   # hombre / mujer
    (["M", "W", "W"], {"M": "M", "W": "F"}, True),                   # männlich / weiblich
    (["H", "F"], {"H": "M", "F": "F"}, False),                       # homme / femme
    (["M", "F"], {"M": "M", "F": "F"}, False),
])
def test_genders_are_read_in_the_exports_language(tmp_path, values, expect, asked):
    from wizard.core.transforms import MapStep, parse_steps
    rows = "".join(f"{i},Name {i},{v}\n" for i, v in enumerate(values))
    p = suggest(tmp_path, {"patients.csv": "patient_id,name,gender\n" + rows})
    fm = p.table_for("patients.csv").fields["gender"]
    step = next(s for s in parse_steps(fm.steps) if isinstance(s, MapStep))
    got = step.apply(pd.Series(list(expect))).values.tolist()
    assert got == list(expect.values())
    assert fm.review == asked


def test_gender_values_that_mean_nothing_known_are_said(tmp_path):
    p = suggest(tmp_path, {"patients.csv": "patient_id,name,gender\n1,A,M\n2,B,F\n3,C,U\n"})
    assert any("1 value means no gender HMSync knows (M, F, O): u" in n for n in p.notes)


def _workbook(path, sheets: dict[str, list[list]]):
    from openpyxl import Workbook
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)


def test_a_sheet_named_for_nothing_is_what_its_workbook_is_named_for(tmp_path):
    """doctors.xlsx and patients.xlsx, each with a sheet called "Logins": the workbook's
    name says what the sheet holds, and a birth date is a patient's."""
    export = tmp_path / "export"
    export.mkdir()
    _workbook(export / "doctors.xlsx", {"Logins": [
        ["Name", "Login", "Position", "Date of employment"],
        ["George Paul", "log1", "Virologist", "2018-12-12"],
        ["Helen Murphy", "log2", "Cardiologist", "2020-12-06"]]})
    _workbook(export / "patients.xlsx", {"Logins": [
        ["Name", "Login", "Height", "Birthdate"],
        ["William Brown", "log1", 184.5, "1996-07-30"],
        ["Stephanie Reid", "log2", 172.3, "1968-02-28"]]})
    tables, errors = open_sources([export])
    p = suggest_profile(tables, known_tables())
    assert p.table_for("doctors.xlsx#Logins").target == "doctors"
    assert p.table_for("patients.xlsx#Logins").target == "patients"
    assert fields(p, "doctors.xlsx#Logins")["joinDate"] == ["Date of employment"]
    assert fields(p, "patients.xlsx#Logins")["age"] == ["Birthdate"]


ITALIAN_PATIENTS = ("cognome,nome,sesso,data_nascita,cod_fiscale,telefono,Via,civico,cap,citta\n"
                    "Rossi,Anna,F,1980-12-21,RSSNNA80T61A944X,051879211,Via Roma,12,40100,"
                    "Bologna\n"
                    "Bianchi,Luca,M,1963-08-27,BNCLCU63M27F205Y,051177904,Via Po,3,10100,"
                    "Torino\n"
                    "Verdi,Sara,F,1971-01-02,VRDSRA71A42H501Z,061234567,Viale Mare,7,00100,"
                    "Roma\n")
ITALIAN_DOCTORS = ("cognome,nome,sesso,data_nascita,cod_fiscale,telefono\n"
                   "Neri,Paolo,M,1960-03-04,NRIPLA60C04A944A,051000111\n"
                   "Gialli,Elena,F,1975-05-06,GLLLNE75E46F205B,051000222\n")


def test_nome_and_cognome_are_the_given_and_family_names(tmp_path):
    """Italian headers: the bare "nome" beside "cognome" is the given name, never the
    full name alone; the street, house number, postcode and town make the address; the
    tax code is the only id; medico.csv, shaped like the patients, is doctors."""
    p = suggest(tmp_path, {"pazienti.csv": ITALIAN_PATIENTS, "medico.csv": ITALIAN_DOCTORS})
    pat = fields(p, "pazienti.csv")
    assert pat["fullName"] == ["nome", "cognome"]
    assert pat["firstName"] == ["nome"] and pat["lastName"] == ["cognome"]
    assert set(pat["address"]) == {"Via", "civico", "cap", "citta"}
    assert pat["gender"] == ["sesso"] and pat["phone"] == ["telefono"]
    tm = p.table_for("pazienti.csv")
    assert tm.target == "patients" and tm.legacy_id == "cod_fiscale"
    doc = p.table_for("medico.csv")
    assert doc is not None and doc.target == "doctors"
    assert fields(p, "medico.csv")["fullName"] == ["nome", "cognome"]


def test_files_named_for_things_hmsync_has_no_table_for_are_left_out(tmp_path):
    """A patient's packages are not patients, and the clinic's expenses are no payments,
    whatever columns they share with those tables."""
    p = suggest(tmp_path, {
        "patients.csv": "id,name,gender,phone\nP1,Asha Rao,F,9811111111\n"
                        "P2,Ravi Kumar,M,9822222222\n",
        "patient_packages.csv": "id,patientName,packageName,createdAt\n"
                                "k1,Asha Rao,Gold,2024-01-02\nk2,Ravi Kumar,Basic,2024-02-03\n",
        "expenses.csv": "id,amount,paymentMode,date,category\n"
                        "e1,500,cash,2024-01-05,rent\ne2,120,upi,2024-01-06,supplies\n"})
    assert p.table_for("patients.csv").target == "patients"
    assert p.table_for("patient_packages.csv") is None
    assert p.table_for("expenses.csv") is None


def test_an_acronyms_plural_is_one_word():
    assert words("doctorIDs") == ("doctor", "id")
    assert words("IDs") == ("id",)


def test_bookings_with_a_fee_are_not_the_visits_beside_records_with_diagnoses(tmp_path):
    """An HMS's appointments carry a fee and notes, its reports the diagnosis: the
    appointments fill more of the visit's fields, but the reports are the visits."""
    p = suggest(tmp_path, {
        "patients.csv": PATIENTS,
        "appointments.csv": "appointmentId,patientId,doctorId,appointmentDate,"
                            "consultationFee,notes,status\n"
                            "a1,1,1,2022-01-02,500,first visit,completed\n"
                            "a2,2,1,2022-01-03,500,,cancelled\n",
        "reports.csv": "reportId,patientId,doctorId,reportDate,diagnosis,recommendations\n"
                       "r1,1,1,2022-01-02,Asthma,inhaler\nr2,2,1,2022-01-04,Flu,rest\n",
    })
    assert p.table_for("reports.csv").target == "visits"
    assert p.table_for("appointments.csv") is None


def test_the_legacy_id_is_the_key_the_other_files_link_by(tmp_path):
    """Users with a row id and an account name; the visits name the account. The account
    becomes the patients' legacy id (asked), so the visits' references resolve."""
    p = suggest(tmp_path, {
        "patients.csv": "id,account,name,gender,phone\n"
                        "1,u-asha,Asha Rao,F,9811111111\n2,u-ravi,Ravi Kumar,M,9822222222\n"
                        "3,u-li,Li Wei,M,9833333333\n",
        "visits.csv": "visit_id,account,visit_date,diagnosis\n"
                      "v1,u-asha,2024-01-02,Flu\nv2,u-asha,2024-02-03,Cough\n"
                      "v3,u-ravi,2024-01-05,Asthma\nv4,u-li,2024-03-01,Flu\n"})
    pat = p.table_for("patients.csv")
    assert pat.legacy_id == "account" and pat.review
    assert fields(p, "visits.csv")["patientId"] == ["account"]
    assert p.table_for("visits.csv").fields["patientId"].review


def test_a_linked_id_is_kept_whatever_other_unique_columns_say(tmp_path):
    """Providers linked by their Id from the encounters keep it, though each also names
    an organisation the encounters repeat."""
    p = suggest(tmp_path, {
        "providers.csv": "Id,ORGANIZATION_ID,NAME,SPECIALITY\n"
                         "d1,o1,Ann Lee,CARDIOLOGY\nd2,o2,Bo Chan,GENERAL PRACTICE\n",
        "encounters.csv": "Id,START,PATIENT,PROVIDER,ORGANIZATION_ID\n"
                          "e1,2024-01-02,p1,d1,o1\ne2,2024-01-03,p2,d2,o2\n"
                          "e3,2024-01-04,p1,d1,o1\n"})
    assert p.table_for("providers.csv").legacy_id == "Id"
    assert fields(p, "encounters.csv")["doctorId"] == ["PROVIDER"]


@pytest.mark.parametrize("name, said", [
    ("yishengxingming", ("doctor", "name")),    # pinyin run together
    ("feiyongjine", ("cost", "amount")),
    ("jianchabaogao", ("test", "report")),      # a file name: the examinations' reports
    ("nm_pasien", ("name", "patient")),         # Indonesian abbreviations
    ("tgl_daftar_pasien", ("date", "registration", "patient")),
    ("consultation_DateTime", ("visit", "date")),  # a word said twice is said once
])
def test_more_languages_are_read(name, said):
    assert words(name) == said


def test_a_date_is_joined_with_the_one_time_of_day_beside_it(tmp_path):
    """A day in one column and its time in the next: joined (asked); with several times
    of day (booked, seen, left) nothing is joined."""
    p = suggest(tmp_path, {
        "patients.csv": PATIENTS,
        "visits.csv": "visit_id,patient_id,data,horario\n"
                      "1,1,04/08/2024,17:00\n2,2,01/11/2024,15:30\n3,1,13/11/2024,09:05\n"})
    fm = p.table_for("visits.csv").fields["visitDate"]
    assert fm.columns == ["data", "horario"] and fm.review
    (tmp_path / "two").mkdir()
    p = suggest(tmp_path / "two", {
        "patients.csv": PATIENTS,
        "visits.csv": "visit_id,patient_id,data,booked,seen\n"
                      "1,1,04/08/2024,17:00,17:20\n2,2,01/11/2024,15:30,15:45\n"})
    assert p.table_for("visits.csv").fields["visitDate"].columns == ["data"]


def test_pinyin_records_linking_by_account_are_the_visits(tmp_path):
    """A Chinese clinic's users (the patients), doctors, appointments and medical records
    (binglixinxi), linked by account: the records are the visits, the bookings are not,
    and the account is the patients' key."""
    p = suggest(tmp_path, {
        "yonghu.csv": "id,addtime,zhanghao,mima,xingming,xingbie,shouji\n"
                      "11,2024-01-01 10:00:00,u-001,x,Wang Fang,F,13800000001\n"
                      "12,2024-01-01 10:00:00,u-002,x,Li Lei,M,13800000002\n"
                      "13,2024-01-01 10:00:00,u-003,x,Zhao Min,F,13800000003\n",
        "yisheng.csv": "id,yishengbianhao,yishengxingming,shouji\n"
                       "21,D-01,Chen Jie,13900000001\n22,D-02,Liu Yang,13900000002\n",
        "yuyueguahao.csv": "id,zhanghao,yishengbianhao,yuyueshijian\n"
                           "31,u-001,D-01,2024-02-01 09:00:00\n"
                           "32,u-002,D-02,2024-02-02 09:00:00\n",
        "binglixinxi.csv": "id,addtime,zhanghao,zhenduan,yishengbianhao\n"
                           "41,2024-02-01 09:30:00,u-001,Flu,D-01\n"
                           "42,2024-02-02 09:40:00,u-002,Cough,D-02\n"
                           "43,2024-02-03 09:50:00,u-003,Asthma,D-01\n"})
    assert p.table_for("binglixinxi.csv").target == "visits"
    assert fields(p, "binglixinxi.csv")["patientId"] == ["zhanghao"]
    assert p.table_for("yuyueguahao.csv") is None
    assert p.table_for("yonghu.csv").legacy_id == "zhanghao"


def test_a_persons_fields_are_found_by_their_values_when_no_name_says(tmp_path):
    """Columns named in a language the vocabulary lacks: gender codes, birth dates decades
    apart and people's names are still the patient's gender, age and name, each asked; a
    social security number and a longitude are no phone."""
    p = suggest(tmp_path, {"patients.csv":
                           "KOD,NZW,DTU,PL,SSN,LON\n"
                           "P1,Anna Kowalska,1956-03-04,F,999-12-3456,-71.0589\n"
                           "P2,Jan Nowak,1988-11-20,M,999-65-4321,-70.9410\n"
                           "P3,Ewa Lis,2001-07-09,F,999-11-2222,-71.1200\n"})
    tm = p.table_for("patients.csv")
    got = fields(p, "patients.csv")
    assert got["gender"] == ["PL"] and got["age"] == ["DTU"] and got["fullName"] == ["NZW"]
    assert "phone" not in got
    assert all(tm.fields[f].review for f in ("gender", "age", "fullName"))


def test_a_second_file_linked_to_no_patient_is_no_more_tests(tmp_path):
    """Lab orders with their patient, and results per test type linked to nobody: the
    results are not a second source of pathology tests."""
    p = suggest(tmp_path, {
        "patients.csv": PATIENTS,
        "lab_tests.csv": "test_id,patient_id,test_name,result,ordered_on\n"
                         "t1,1,Hemoglobin,13.5,2024-01-02\nt2,2,Glucose,5.4,2024-01-03\n",
        "test_results.csv": "result_id,test_type_id,test_name,result\n"
                            "r1,3,EKG,normal\nr2,4,Hemogram,positive\n"})
    assert p.table_for("lab_tests.csv").target == "pathology_tests"
    assert p.table_for("test_results.csv") is None


def test_a_column_called_status_beside_an_address_is_no_state(tmp_path):
    p = suggest(tmp_path, {"pacjenci.csv":
                           "PESEL,IMIE,NAZWISKO,PLEC,ULICA,MIASTO,STATUS\n"
                           "80010112345,Anna,Kowalska,K,Polna 1,Kraków,WYPISANY\n"
                           "75020254321,Jan,Nowak,M,Leśna 2,Gdańsk,ZMARLY\n"
                           "90030398765,Ewa,Lis,K,Długa 3,Poznań,WYPIS + DALSZE LECZENIE\n"})
    got = fields(p, "pacjenci.csv")
    assert p.table_for("pacjenci.csv").target == "patients"
    assert got["fullName"] == ["IMIE", "NAZWISKO"]
    assert "STATUS" not in got["address"] and set(got["address"]) == {"ULICA", "MIASTO"}


def test_a_town_alone_is_the_address_and_a_purpose_the_visits_note(tmp_path):
    p = suggest(tmp_path, {
        "patients.csv": "patient_id,name,gender,phone,city\n"
                        "1,Asha Rao,F,9811111111,Pune\n2,Ravi Kumar,M,9822222222,Delhi\n",
        "doctors.json": '[{"staffID": "S1", "name": "Dr Lee", "specialization": "ENT"},'
                        ' {"staffID": "S2", "name": "Dr Roy", "specialization": "GP"}]',
        "appointments.csv": "appointment_id,patient_id,appointment_date,purpose\n"
                            "a1,1,2024-01-02,Fever\na2,2,2024-01-03,Checkup\n"})
    address = p.table_for("patients.csv").fields["address"]
    assert address.columns == ["city"] and address.review
    assert fields(p, "appointments.csv")["notes"] == ["purpose"]
    assert p.table_for("doctors.json").legacy_id == "staffID"


def test_a_catalogue_named_as_tests_is_not_the_tests(tmp_path):
    """Open Hospital's exam catalogue and its laboratory: both named as tests, only the
    laboratory's records belong to patients."""
    p = suggest(tmp_path, {
        "patients.csv": PATIENTS,
        "exam.csv": "EXA_ID_A,EXA_DESC,EXA_DEFAULT\n01.01,1.1 HB,>=12\n01.02,1.2 GLU,<100\n",
        "laboratory.csv": "LAB_ID,LAB_EXA_ID_A,LAB_DATE,LAB_RES,LAB_PAT_ID\n"
                          "1,01.01,2024-01-02,13,1\n2,01.02,2024-01-03,90,2\n"})
    assert p.table_for("laboratory.csv").target == "pathology_tests"
    assert p.table_for("exam.csv") is None
    assert fields(p, "laboratory.csv")["testCode"] == ["LAB_EXA_ID_A"]


def test_a_disease_id_is_the_diagnosis():
    assert words("OPD_DIS_ID_A") == ("visit", "diagnosis", "id")


@pytest.mark.parametrize("name, said", [
    ("fk_PACIENTASid", ("patient", "id")),       # an id after an upper-case word
    ("gimimo_data", ("birth", "date")),           # Lithuanian
    ("data_nasterii", ("date", "birth")),         # Romanian
    ("prenume", ("first", "name")),
])
def test_romanian_and_lithuanian_are_read(name, said):
    assert words(name) == said


def test_hours_and_minutes_beside_a_date_make_it_asked(tmp_path):
    p = suggest(tmp_path, {
        "patients.csv": PATIENTS,
        "vizitai.csv": "id,fk_PACIENTASid,data,laikas_val,laikas_min\n"
                       "1,1,2024-01-02,9,30\n2,2,2024-01-03,14,5\n3,1,2024-01-04,11,45\n"})
    fm = p.table_for("vizitai.csv").fields["visitDate"]
    assert fm.columns == ["data"] and fm.review and "laikas_val" in fm.reason
    assert fields(p, "vizitai.csv")["patientId"] == ["fk_PACIENTASid"]


def test_a_type_code_is_no_reference_whatever_its_numbers(tmp_path):
    """Test types numbered 1-3 beside visits numbered 1-3: the type is no visit."""
    p = suggest(tmp_path, {
        "patients.csv": PATIENTS,
        "visits.csv": "visit_id,patient_id,visit_date\n1,1,2024-01-02\n2,2,2024-01-03\n"
                      "3,1,2024-01-04\n",
        "lab_tests.csv": "id,patient_id,tipas,result\n1,1,2,5.1\n2,2,3,6.0\n3,1,1,4.2\n"})
    assert "visitId" not in fields(p, "lab_tests.csv")


def test_the_staff_are_the_doctors_only_where_no_file_is_named_for_them(tmp_path):
    staff = ("staff_id,name,phone,department\nS1,Dr Lee,9811111111,ENT\n"
             "S2,Dr Roy,9822222222,General\n")
    visits = "visit_id,patient_id,staff_id,visit_date\n1,1,S1,2024-01-02\n2,2,S2,2024-01-03\n"
    p = suggest(tmp_path, {"patients.csv": PATIENTS, "staff.csv": staff, "visits.csv": visits})
    tm = p.table_for("staff.csv")
    assert tm is not None and tm.target == "doctors" and tm.review
    (tmp_path / "two").mkdir()
    p = suggest(tmp_path / "two", {"patients.csv": PATIENTS, "staff.csv": staff,
                                   "doctors.csv": "doctor_id,name,specialty\nD1,Dr Lee,ENT\n"
                                                  "D2,Dr Roy,GP\n"})
    assert p.table_for("doctors.csv").target == "doctors"
    assert p.table_for("staff.csv") is None


def test_a_paid_flag_is_a_bills_status_and_a_paid_amount_is_not(tmp_path):
    p = suggest(tmp_path, {
        "patients.csv": PATIENTS,
        "bills.csv": "bill_id,patient_id,total_amount,paid_amount,ispay\n"
                     "b1,1,500,500,yes\nb2,2,300,0,no\n"})
    got = fields(p, "bills.csv")
    assert got["status"] == ["ispay"] and got["amount"] == ["total_amount"]


def test_a_visits_reason_and_notes_are_both_its_notes(tmp_path):
    """The reason, the notes and the doctor's suggestion of an appointment: all three are
    the visit's notes, joined (asked); taking one would leave the others behind."""
    p = suggest(tmp_path, {
        "patients.csv": PATIENTS,
        "appointments.csv": "appointment_id,patient_id,appointment_date,reason,notes,suggest\n"
                            "a1,1,2024-01-02,Fever,3 days,Rest\n"
                            "a2,2,2024-01-03,Cough,,Syrup\n"})
    fm = p.table_for("appointments.csv").fields["notes"]
    assert set(fm.columns) == {"reason", "notes", "suggest"} and fm.review


def test_a_users_file_in_the_plural_with_professions_is_the_doctors(tmp_path):
    """A Russian clinic's mock API: users.json holds the doctors (name, phone, profession);
    the plural named them no less than user.csv does."""
    p = suggest(tmp_path, {
        "patients.csv": PATIENTS,
        "users.csv": "id,name,birth_date,gender,phone,profession\n"
                     "1,Ivanova Maria,1980-01-02,female,+79161234567,Therapist\n"
                     "2,Petrov Ivan,1975-05-06,male,+79167654321,Cardiologist\n",
        "visits.csv": "visit_id,patient_id,doctor_id,visit_date\n1,1,1,2024-01-02\n"
                      "2,2,2,2024-01-03\n"})
    assert p.table_for("users.csv").target == "doctors"
    assert fields(p, "users.csv")["specialty"] == ["profession"]


def test_a_users_file_is_the_doctors_where_none_is_named_for_them(tmp_path):
    p = suggest(tmp_path, {
        "patients.csv": PATIENTS,
        "user.csv": "user_id,user_name,user_department_id\nu1,Dr Lee,3\nu2,Dr Roy,4\n",
        "visits.csv": "visit_id,patient_id,user_id,visit_date\n1,1,u1,2024-01-02\n"
                      "2,2,u2,2024-01-03\n"})
    assert p.table_for("user.csv").target == "doctors"


@pytest.mark.parametrize("name, said", [
    ("Pemri", ("first", "name")),           # a table's letter glued to an Albanian word
    ("vTerapia", ("v", "treatment")),
    ("Did", ("doctor", "id")),               # a doctor's id (pid, did, bid)
    ("third_name", ("middle", "name")),      # a patronymic
])
def test_letters_glued_to_a_word_are_read(name, said):
    assert words(name) == said


def test_a_patronymic_is_part_of_the_full_name(tmp_path):
    p = suggest(tmp_path, {"patients.json":
                           '[{"id": "p1", "first_name": "Anna", "last_name": "Ivanova", '
                           '"third_name": "Petrovna", "gender": "F"},'
                           ' {"id": "p2", "first_name": "Oleg", "last_name": "Sokolov", '
                           '"third_name": "Ivanovich", "gender": "M"}]'})
    assert set(fields(p, "patients.json")["fullName"]) == {"first_name", "third_name",
                                                          "last_name"}


def test_a_date_beside_a_start_and_an_end_time_is_asked(tmp_path):
    p = suggest(tmp_path, {
        "patients.csv": PATIENTS,
        "appointments.csv": "id,patient_id,appointment_date,start_time,end_time\n"
                            "1,1,2024-01-02,09:00,09:30\n2,2,2024-01-03,10:00,10:20\n"})
    fm = p.table_for("appointments.csv").fields["visitDate"]
    assert fm.columns == ["appointment_date"] and fm.review and "start_time" in fm.reason


def test_a_quantity_is_no_reference_whatever_its_numbers(tmp_path):
    """Treatments billed by cost, with a quantity of 1 or 2: patients numbered 1 and 2 do
    not make the quantity the patient."""
    p = suggest(tmp_path, {
        "patients.csv": PATIENTS,
        "bills.csv": "bill_id,quantity,amount,bill_date\nb1,1,50,2024-01-02\n"
                     "b2,2,80,2024-01-03\nb3,1,50,2024-01-04\n"})
    tm = p.table_for("bills.csv")
    assert tm.target == "bills" and "patientId" not in tm.fields


@pytest.mark.parametrize("column", ["patient_file_no", "patient_reg_no", "PatientFileNo"])
def test_a_pointer_named_for_its_parents_record_number_still_points(tmp_path, column):
    """patient_file_no, patient_reg_no: the words after the parent's noun say what kind of
    number it is, not another thing the column identifies."""
    from wizard.core import suggest as s
    export = tmp_path / "export"
    export.mkdir()
    (export / "patients.csv").write_text("pid,name\nP1,Ann\nP2,Bob\nP3,Cy\n", encoding="utf-8")
    (export / "notes.csv").write_text(f"note_id,{column},text\n1,P1,a\n2,P2,b\n3,P1,c\n",
                                      encoding="utf-8")
    tables, _ = open_sources([export])
    by = {t.name: s._Columns(t, t.sample(100)) for t in tables}
    assert s._points_to(by["notes.csv"], by["patients.csv"]) == column
