"""Rules the suggestion learnt from held-out exports, each kept from misfiring on the
shapes a reviewer built against it (a code column in an address, a date as a family name,
a visits file read as a link table, a patients file losing to its side table, a coded
diagnosis object, a guardian's family name, ids that meet by chance, a visit repeating
its patient's names)."""
from __future__ import annotations

import json

from suggest_export import suggest

PATIENTS = ("patient_id,first_name,last_name,dob,gender,phone\n"
            "P1,Ana,Kov,1980-01-02,F,555-0101\nP2,Ben,Lor,1975-03-04,M,555-0102\n"
            "P3,Cam,Mir,1990-05-06,F,555-0103\n")
DOCTORS = "doctor_id,first_name,last_name,specialty\nD1,Eva,Sun,GP\nD2,Fin,Tor,ENT\n"


def test_region_codes_are_no_part_of_the_address(tmp_path):
    p = suggest(tmp_path, {"pasien.csv": (
        "no_rkm_medis,nm_pasien,jk,tgl_lahir,alamat,no_tlp,kd_kel,kd_kec,kd_kab\n"
        "000001,Budi Santoso,L,1980-01-02,Jl Mawar 1,081234567801,1,11,101\n"
        "000002,Siti Aminah,P,1975-03-04,Jl Melati 2,081234567802,2,12,102\n"
        "000003,Agus Salim,L,1990-05-06,Jl Kenanga 3,081234567803,3,13,103\n")})
    assert p.table_for("pasien.csv").fields["address"].columns == ["alamat"]


def test_a_column_of_dates_is_never_a_family_name(tmp_path):
    p = suggest(tmp_path, {"utentes.csv": (
        "id_utente,nome,sexo,data_nascimento,ultima\n1,Ana Silva,F,1980-01-02,2023-01-02\n"
        "2,Rui Costa,M,1975-03-04,2023-02-03\n3,Eva Sousa,F,1990-05-06,2023-03-04\n")})
    fields = p.table_for("utentes.csv").fields
    assert "lastName" not in fields
    assert fields["fullName"].columns == ["nome"]


def test_a_visits_file_with_a_coded_diagnosis_is_no_link_table(tmp_path):
    p = suggest(tmp_path, {
        "patients.csv": PATIENTS, "doctors.csv": DOCTORS,
        "diagnoses.csv": "diagnosis_id,icd10,description\n12,J10,Influenza\n14,J00,Cold\n",
        "visits.csv": "visit_id,patient_id,doctor_id,diagnosis_id\nV1,P1,D1,12\n"
                      "V2,P2,D2,14\nV3,P1,D1,12\n"})
    assert p.table_for("visits.csv").target == "visits"


def test_a_patients_side_table_does_not_take_the_patients(tmp_path):
    p = suggest(tmp_path, {
        "patient_details.csv": "patient_id,mrn,blood_group,occupation\n1,M101,A+,teacher\n"
                               "2,M102,O-,driver\n3,M103,B+,nurse\n",
        "patients.csv": "mrn,first_name,last_name,dob,gender,phone\n"
                        "M101,Ana,Kov,1980-01-02,F,555-0101\nM102,Ben,Lor,1975-03-04,M,555-0102\n"
                        "M103,Cam,Mir,1990-05-06,F,555-0103\n"})
    assert p.table_for("patients.csv").target == "patients"
    assert "firstName" in p.table_for("patients.csv").fields


def test_a_coded_diagnosis_object_gives_its_text_not_its_json(tmp_path):
    recs = [{"id": f"V{i}", "patient_id": "P1", "date": "2023-01-02",
             "diagnosis": {"code": "J10", "display": "Influenza"}} for i in (1, 2, 3)]
    p = suggest(tmp_path, {"patients.csv": PATIENTS, "visits.json": json.dumps(recs)})
    fm = p.table_for("visits.json").fields["diagnosis"]
    assert fm.expr == "diagnosis.display" and fm.review


def test_a_guardians_family_name_is_not_the_patients(tmp_path):
    p = suggest(tmp_path, {"patients.csv": (
        "patient_id,first_name,last_name,guardian_last_name,dob,gender\n"
        "P1,Ana,Kov,Kov,2015-01-02,F\nP2,Ben,Lor,Smit,2016-03-04,M\n"
        "P3,Cam,Mir,Mir,2017-05-06,F\n")})
    assert p.table_for("patients.csv").fields["lastName"].columns == ["last_name"]


def test_ids_that_meet_by_chance_make_no_staff_register_the_doctors(tmp_path):
    p = suggest(tmp_path, {
        "patients.csv": PATIENTS,
        "doctors.csv": "doctor_id,specialty,consult_fee,room_no\n1,GP,300,R1\n2,ENT,500,R2\n"
                       "3,Cardiology,800,R3\n",
        "staff.csv": "staff_id,name,role,phone\n11,Hal Ode,nurse,555-0201\n"
                     "1,Ivy Pan,clerk,555-0202\n2,Jon Quo,nurse,555-0203\n"
                     "3,Kim Ray,porter,555-0204\n"})
    assert p.table_for("doctors.csv").target == "doctors"
    assert p.table_for("staff.csv") is None or p.table_for("staff.csv").target != "doctors"


def test_a_visit_repeating_its_patients_names_is_not_asked_for_them(tmp_path):
    p = suggest(tmp_path, {
        "patients.csv": PATIENTS, "doctors.csv": DOCTORS,
        "visits.csv": "visit_id,patient_id,first_name,last_name,doctor_id,visit_date,diagnosis\n"
                      "V1,P1,Ana,Kov,D1,2023-01-02,Flu\nV2,P2,Ben,Lor,D2,2023-01-03,Cold\n"
                      "V3,P1,Ana,Kov,D1,2023-01-04,Cough\n"})
    assert not any("name a person beside the patient" in str(n) for n in p.notes)


def test_a_state_with_no_town_beside_it_is_joined_to_the_address_asked(tmp_path):
    # "state" beside an address and nothing else: a place (Delhi) or the record's state
    # (a Chinese registration's 退号, cancelled); which, a person says
    p = suggest(tmp_path, {"patient.csv": (
        "id,name,gender,age,address,state\n1,Zhang San,M,22,Beijing Rd 1,退号\n"
        "2,Li Si,F,56,Shanghai Rd 2,就诊中\n3,Wang Wu,M,40,Nanjing Rd 3,就诊中\n")})
    fm = p.table_for("patient.csv").fields["address"]
    assert fm.review and "state may be the record's state" in fm.reason


def test_a_tests_code_is_never_the_results_own_id(tmp_path):
    # a laboratory's flat file: TESTCODE is which test, BARCODE the sample's label
    p = suggest(tmp_path, {"lab_results.csv": (
        "BARCODE,PATIENT_ID,TESTCODE,RESULT,COLLECTIONDATE\nB1,P1,GLU,5.4,2023-01-02\n"
        "B2,P2,HBA,6.1,2023-01-03\nB3,P1,TSH,2.2,2023-01-04\n")})
    tm = p.table_for("lab_results.csv")
    assert tm.target == "pathology_tests" and tm.legacy_id != "TESTCODE"
    assert tm.fields["testCode"].columns == ["TESTCODE"]


def test_a_file_of_nurses_is_no_patients(tmp_path):
    p = suggest(tmp_path, {
        "clinic.patients.json": json.dumps([{"_id": f"p{i}", "name": f"Nguyen Van {c}",
                                      "phone_number": f"09012345{i}{i}", "address": "Ha Noi",
                                      "birth_date": "1980-01-02"} for i, c in enumerate("ABC")]),
        "clinic.nurses.json": json.dumps([{"_id": f"n{i}", "name": f"Tran Thi {c}",
                                    "phone_number": f"09087654{i}{i}", "address": "Ha Noi",
                                    "birth_date": "1990-01-02"} for i, c in enumerate("DEF")]),
    })
    assert p.table_for("clinic.patients.json").target == "patients"
    assert p.table_for("clinic.nurses.json") is None


def test_a_list_of_record_ids_is_no_notes(tmp_path):
    recs = [{"_id": f"v{i}", "patient_id": "P1", "admission_date": "2024-09-01",
             "disease_name": "Flu",
             "treatments": ["66f374c410b2b7b51e6a4141", "66f374e310b2b7b51e6a4143"]}
            for i in range(3)]
    p = suggest(tmp_path, {"patients.csv": PATIENTS, "visits.json": json.dumps(recs)})
    assert "notes" not in p.table_for("visits.json").fields


def test_a_departement_beside_a_town_is_asked_as_the_department(tmp_path):
    # a Beninese clinic's staff: departement (Littoral, Ouémé) beside ville, an address's
    # region as likely as a ward
    p = suggest(tmp_path, {"personnel.csv": (
        "personnel_id,nom,prenom,specialite,departement,ville,telephone\n"
        "1,Jones,John,Cardiologie,Littoral,Cotonou,96868950\n"
        "2,Tiando,Herman,Pediatrie,Oueme,Porto-Novo,96868951\n"
        "3,Ahou,Marie,Gynecologie,Littoral,Cotonou,96868952\n")})
    tm = p.table_for("personnel.csv")
    fm = tm.fields.get("department")
    assert fm is None or fm.review


def test_one_name_column_is_never_joined_with_itself(tmp_path):
    # a Greek doctors file: Ονομα (the first name) and a family-name column the suggestion
    # cannot read; the full name is never "Ονομα + Ονομα"
    p = suggest(tmp_path, {"doctors.csv": (
        "ID,Ονομα,Qwerty,Ειδικότητα\nDOC1,Ανδρέας,Λυμπερόπουλος,CARDIOLOGIST\n"
        "DOC2,Μαρία,Παππά,DERMATOLOGIST\n")})
    fm = p.table_for("doctors.csv").fields["fullName"]
    assert len(set(fm.columns)) == len(fm.columns)


def test_a_file_whose_column_names_are_values_has_every_choice_asked(tmp_path):
    # a Colombian API's CSV store has no header line: its first record's values
    # (Consultation, P001) name nothing, whatever they seem to
    p = suggest(tmp_path, {"invoices.csv": (
        '"I001","P001","Consultation","120.5","PENDING","2025-11-12"\n'
        '"I002","P002","Consultation","80","PAID","2025-11-13"\n'
        '"I003","P001","Lab","45","PAID","2025-11-14"\n')})
    tm = p.table_for("invoices.csv")
    assert tm is None or (tm.review and all(fm.review for fm in tm.fields.values()))
    assert tm is None or any("its column names look like values" in str(n) for n in p.notes)


def test_a_records_timestamp_is_not_applied_as_the_visits_date(tmp_path):
    # a laboratory system's specimens: ts (when the row was written) beside
    # date_collected (the specimen's day); which is the visit's date is asked, if ts
    p = suggest(tmp_path, {
        "patients.csv": PATIENTS,
        "specimen.csv": "specimen_id,patient_id,ts,date_collected,doctor\n"
                        "1,P1,2011-09-10 19:15:31,2009-10-30,Fox\n"
                        "2,P2,2011-09-10 19:16:02,2009-10-31,Fox\n"
                        "3,P3,2011-09-11 08:00:12,2009-11-02,Lee\n"})
    fm = p.table_for("specimen.csv").fields.get("visitDate") or \
        p.table_for("specimen.csv").fields.get("orderedOn")
    assert fm is not None and (fm.columns != ["ts"] or fm.review)


def test_a_column_named_as_the_notes_makes_another_choice_for_them_asked(tmp_path):
    # Greek appointments: Λόγος (the reason) and Σημειώσεις (the notes, empty in the
    # sample): the notes taken from the reason are asked
    p = suggest(tmp_path, {
        "patients.csv": PATIENTS,
        "appointments.csv": "AppointmentID,PatientID,ΗμερομηνίαΏρα,Λόγος,Σημειώσεις\n"
                            "A1,P1,2026-05-04 12:00,Πονοκέφαλος,\nA2,P2,2026-05-05 10:00,Βήχας,\n"
                            "A3,P3,2026-05-06 09:30,Πυρετός,\n"})
    fm = p.table_for("appointments.csv").fields["notes"]
    assert fm.columns == ["Λόγος"] and fm.review


def test_parts_of_one_table_sharing_ids_are_not_numbered_apart(tmp_path):
    # the same patients exported twice (patients_1, patients_2): their shared ids are
    # duplicates validation reports, never two records each
    head = "patient_id,first_name,last_name,gender,phone\n"
    p = suggest(tmp_path, {
        "patients_1.csv": head + "P1,Ana,Kov,F,555-0101\nP2,Ben,Lor,M,555-0102\n"
                                 "P5,Dan,Ode,M,555-0105\n",
        "patients_2.csv": head + "P1,Ana,Kovac,F,555-0199\nP2,Ben,Lorr,M,555-0198\n"
                                 "P3,Cam,Mir,F,555-0103\nP4,Eve,Pan,F,555-0104\n"})
    for name in ("patients_1.csv", "patients_2.csv"):
        tm = p.table_for(name)
        assert tm is None or tm.id_expr is None


def test_a_list_of_diagnosis_codes_is_still_the_diagnosis(tmp_path):
    p = suggest(tmp_path, {"patients.csv": PATIENTS, "visits.csv": (
        'visit_id,patient_id,visit_date,diagnosis\nV1,P1,2023-01-02,"[""401"",""250""]"\n'
        'V2,P2,2023-01-03,"[""486""]"\nV3,P3,2023-01-04,"[""250""]"\n')})
    assert p.table_for("visits.csv").fields["diagnosis"].columns == ["diagnosis"]


def test_a_nurses_notes_are_still_visits(tmp_path):
    p = suggest(tmp_path, {"patients.csv": PATIENTS, "nurse_notes.csv": (
        "visit_id,patient_id,visit_date,notes,diagnosis\nV1,P1,2023-01-02,BP high,Hypertension\n"
        "V2,P2,2023-01-03,fever,Flu\nV3,P3,2023-01-04,cough,Cold\n")})
    assert p.table_for("nurse_notes.csv").target == "visits"


def test_reports_naming_their_patient_keep_the_visits_beside_appointments(tmp_path):
    p = suggest(tmp_path, {
        "patients.csv": PATIENTS, "doctors.csv": DOCTORS,
        "appointments.csv": "patient_id,doctor_id,appointment_date,fee,notes\n"
                            "P1,D1,2023-01-02,300,first\nP2,D2,2023-01-03,300,\n"
                            "P3,D1,2023-01-04,300,\n",
        "reports.csv": "report_id,patient_name,doctor_id,report_date,diagnosis,fee,notes\n"
                       "R1,Ana Kov,D1,2023-01-02,Flu,300,rest\n"
                       "R2,Ben Lor,D2,2023-01-03,Cold,300,fluids\n"
                       "R3,Cam Mir,D1,2023-01-04,Cough,300,syrup\n"})
    assert p.table_for("reports.csv") is not None
    assert p.table_for("reports.csv").target == "visits"


def test_a_national_number_on_each_result_is_the_patient(tmp_path):
    # a Brazilian laboratory's flat file: the patient is known by the CPF on each row; a
    # doctor's SSN beside a patient's is the doctor's
    p = suggest(tmp_path, {"exames.csv": (
        "cpf;nome paciente;data exame;tipo exame;resultado tipo exame\n"
        "048.973.170-88;Emilly Neto;2021-08-05;hemácias;97\n"
        "048.973.170-88;Emilly Neto;2021-08-05;leucócitos;89\n"
        "066.126.400-90;Maria Luz;2021-08-06;hdl;19\n")})
    tm = p.table_for("exames.csv")
    assert tm is not None and tm.target == "pathology_tests"
    assert tm.fields["patientId"].columns == ["cpf"] and tm.fields["patientId"].review


def test_a_brazilian_address_in_parts_and_a_laboratorys_name(tmp_path):
    # a telehealth portal: the address in logradouro, numero, complemento, bairro,
    # cidade, uf, cep; its exams name the laboratory beside the test's kind
    users = [{"nome": f"Ana {c}", "cpf": f"1234567890{i}", "nascimento": "1985-05-15",
              "email": f"ana{i}@email.com", "celular": "(11) 98765-4321",
              "cep": "01001-000", "logradouro": "Praça da Sé", "numero": str(100 + i),
              "complemento": "Apto 1", "bairro": "Sé", "cidade": "São Paulo", "uf": "SP"}
             for i, c in enumerate("ABC")]
    exams = [{"id": i, "tipo": "Hemograma", "laboratorio": "Lab Central",
              "data": "2024-01-0%d" % (i + 1), "paciente": f"1234567890{i}"} for i in range(3)]
    p = suggest(tmp_path, {"pacientes.json": json.dumps(users),
                           "exames.json": json.dumps(exams)})
    address = p.table_for("pacientes.json").fields["address"]
    assert {"complemento", "bairro", "uf"} <= set(address.columns)
    assert address.review and "numero may be the house number" in address.reason
    name = p.table_for("exames.json").fields.get("testName")
    assert name is None or name.columns != ["laboratorio"] or name.review
