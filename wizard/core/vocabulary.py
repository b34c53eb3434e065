"""The suggestion's vocabulary: each word a legacy export may name a column or a file with,
brought to the few words the suggestion matches fields by (``fname`` -> first name,
``paciente`` -> patient, ``yishengxingming`` is cut into yisheng + xingming, doctor name).

The words of the standards hospitals export from (HL7/FHIR, OMOP, MIMIC, Synthea) and of
the languages the mapping corpus (tests/corpus) holds exports in. A word is added because
an export used it; which table or field it then fits is the suggestion's to decide
(:mod:`wizard.core.suggest`). One word means one thing here: a later line replaces an
earlier one's meaning, so a word two languages use differently keeps the commoner one."""
from __future__ import annotations

#: word -> the vocabulary's words (several for a contraction: fname -> first name)
ALIASES: dict[str, tuple[str, ...]] = {}


def _alias(target: str, *words: str) -> None:
    for w in words:
        ALIASES[w] = tuple(target.split())


# the tables' nouns
_alias("patient", "pat", "pt", "pts", "patient", "patients", "subject", "subjects", "person",
       "persons", "client", "clients", "paciente", "pacientes", "patienten", "patientin",
       "patiente", "beneficiary", "member")
_alias("patient number", "mrn", "mrno", "uhid", "hospitalno", "ipno", "opno")
_alias("doctor", "doc", "dr", "drs", "doctor", "doctors", "physician", "physicians",
       "provider", "providers", "practitioner", "practitioners", "consultant",
       "consultants", "medico", "medicos", "médico", "médicos", "arzt", "aerzte", "ärzte",
       "medecin", "médecin", "clinician", "clinicians", "prescriber", "attending",
       "doctores", "doctora")
_alias("visit", "visit", "visits", "encounter", "encounters", "enc", "admission",
       "admissions", "adm", "hadm", "consultation", "consultations",
       "consulta", "consultas", "aufnahme", "aufnahmen", "opd", "ipd", "visite", "visita",
       "visitas", "episode", "episodes", "stay", "besuch")
# a booking: a visit planned, perhaps never held (cancelled, no-show)
_alias("appointment", "appointment", "appointments", "appt", "appts", "cita", "citas",
       "termin", "termine", "agenda", "agendamento", "booking", "bookings", "schedule",
       "rendezvous")
_alias("bill", "bill", "bills", "billing", "invoice", "invoices", "inv", "claim", "claims",
       "factura", "facturas", "rechnung", "rechnungen", "facture", "fatura")
_alias("payment", "payment", "payments", "pay", "receipt", "receipts", "pago", "pagos",
       "zahlung", "zahlungen", "paiement", "remittance", "collection", "collections")
_alias("test", "lab", "labs", "test", "tests", "labtest", "labtests", "observation",
       "observations", "obs", "investigation", "investigations", "pathology",
       "microbiology", "labevent", "labevents", "labor", "laboratorio", "laboratory",
       "examen", "examenes", "befund", "befunde", "specimen", "culture")
# the fields' words
_alias("first name", "fname", "firstname", "forename", "givenname", "vorname", "prenom",
       "prénom", "primernombre")
_alias("first", "given")
_alias("last name", "lname", "lastname", "surname", "familyname", "nachname", "apellido",
       "apellidos", "sname")
_alias("last", "family")
_alias("name", "name", "names", "nombre", "nombres", "nom", "naam", "fullname")
_alias("birth date", "dob", "birthdate", "bdate", "birthdt", "geburtsdatum", "nacimiento",
       "birthday", "birthdatetime")
_alias("birth", "born", "geburt", "geburts")
_alias("date", "dt", "date", "dates", "fecha", "datum", "time", "datetime", "zeit",
       "timestamp", "ts", "day")
_alias("number", "no", "nr", "num", "nbr", "number", "numero", "número", "nummer", "nro")
_alias("id", "id", "ids", "identifier", "ident", "key", "kennung", "uid", "guid")
_alias("phone", "tel", "telephone", "mob", "mobile", "cell", "cellphone", "phone", "phones",
       "telefono", "teléfono", "telefon", "handy", "contact", "contactno", "mobileno",
       "phoneno", "celular", "movil")
_alias("address", "addr", "address", "adresse", "direccion", "dirección", "street",
       "anschrift", "strasse", "straße", "residence", "domicilio", "address1")
_alias("city", "city", "town", "ciudad", "stadt", "ort", "ville")
_alias("state", "state", "province", "region", "provincia", "bundesland")
_alias("zip", "zip", "zipcode", "postcode", "postal", "plz", "pin", "pincode", "cp")
_alias("country", "country", "pais", "país", "land", "pays")
_alias("gender", "sex", "gender", "geschlecht", "sexo", "genero", "género", "sexe", "gen")
_alias("age", "age", "alter", "edad", "âge", "idade")
_alias("specialty", "spec", "specialty", "speciality", "specialization", "specialisation",
       "especialidad", "fachgebiet", "fachrichtung", "specialite", "spécialité")
_alias("department", "dept", "department", "departamento", "abteilung", "ward", "station",
       "service", "servicio")
_alias("diagnosis", "diag", "dx", "diagnosis", "diagnoses", "diagnostico", "diagnóstico",
       "diagnose", "diagnosen", "icd")
_alias("reason", "reason", "complaint", "motivo", "grund", "indication", "motif")
_alias("amount", "amount", "amt", "total", "betrag", "monto", "importe", "summe", "montant")
_alias("cost", "cost", "costs", "kosten", "costo", "coste", "charges", "charge", "charged")
_alias("price", "price", "preis", "precio", "prix", "rate", "tarif", "tarifa")
_alias("fee", "fee", "fees", "gebuehr", "gebühr", "honorario", "honorarios")
_alias("status", "status", "estado", "zustand")
_alias("note", "note", "notes", "remark", "remarks", "comment", "comments", "bemerkung",
       "bemerkungen", "nota", "notas", "observaciones", "anmerkung")
_alias("method", "mode", "method", "medio", "modo", "zahlungsart", "channel",
       "instrument")
_alias("unit", "unit", "units", "uom", "einheit", "unidad", "unidades", "valueuom")
_alias("value", "value", "values", "result", "results", "valuenum", "wert", "ergebnis",
       "resultado", "valeur", "reading", "measurement", "valor", "res")
_alias("code", "code", "codes", "itemid", "kode", "codigo", "código", "loinc", "cpt")
_alias("description", "desc", "description", "descr", "label", "beschreibung",
       "descripcion", "descripción", "display", "text", "libelle", "libellé")
_alias("license", "licence", "license", "lic", "licenseno", "npi", "mci", "registrationno")
_alias("join", "join", "joining", "joined", "hire", "hired", "eintritt", "ingreso")
_alias("registration", "reg", "registration", "registered", "enrolled", "enrollment",
       "enrolment", "registro", "anmeldung")
_alias("created", "created", "creation", "erstellt", "creado")
_alias("order", "order", "ordered", "orden", "auftrag", "requested", "request")
_alias("paid", "paid", "bezahlt", "pagado", "ispay", "ispaid", "payed")
_alias("start", "start", "begin", "beginn", "inicio", "admit", "admitted", "arrival",
       "ankunft", "llegada", "from", "period")
_alias("end", "end", "stop", "ende", "fin", "discharge", "discharged", "to", "until",
       "entlassung", "alta")
_alias("chart", "chart", "charted")
_alias("service", "service", "services")
_alias("treatment", "treatment", "treatments", "behandlung", "behandlungs", "tratamiento")
_alias("type", "type", "kind", "typ", "tipo", "category", "class")
_alias("year", "year", "yr", "jahr", "año", "ano", "annee", "année", "anno")

_alias("end", "disch", "dischtime", "fim", "termino", "término")
# Portuguese and French words the tables above do not already hold
_alias("name", "nome", "nomes", "nomecompleto")
_alias("phone", "telefone", "fone", "telemovel", "telemóvel", "tele")
_alias("address", "endereco", "endereço", "logradouro", "rue")
_alias("city", "cidade", "municipio", "município")
_alias("zip", "cep", "codepostal")
_alias("birth", "nascimento", "nasc", "naissance")
_alias("date", "data", "hora", "heure")
_alias("note", "evolucao", "evolução", "observacao", "observação", "observacoes",
       "observações", "anotacao", "anotação")
_alias("patient number", "prontuario", "prontuário")
_alias("amount", "montant")
_alias("visit", "atendimento", "atendimentos")
_alias("payment", "pagamento", "pagamentos")
_alias("bill", "fatura", "faturas", "cobranca", "cobrança")
_alias("death", "death", "deceased", "dod")
# Italian
_alias("patient", "paziente", "pazienti", "pazient", "assistito", "assistiti")
_alias("doctor", "dottore", "dottori", "medici")
_alias("last name", "cognome", "cognomi")
_alias("birth", "nascita", "nato")
_alias("phone", "cellulare", "recapito")
_alias("address", "indirizzo", "via", "viale")
_alias("house", "civico", "hausnummer", "house", "housenumber", "numeroexterior")
_alias("city", "citta", "città", "comune", "localita", "località")
_alias("zip", "cap")
_alias("gender", "sesso", "genere")
_alias("age", "eta", "età")
_alias("specialty", "specializzazione", "specialita", "specialità", "branca")
_alias("department", "reparto", "divisione")
_alias("diagnosis", "diagnosi")
_alias("amount", "importo", "totale")
_alias("price", "prezzo", "tariffa")
_alias("bill", "fattura", "fatture")
_alias("test", "esame", "esami", "analisi")
_alias("note", "annotazioni")
_alias("status", "stato")
_alias("visit", "visite", "ricovero", "ricoveri")
_alias("appointment", "appuntamento", "appuntamenti", "prenotazione", "prenotazioni")
# Indonesian and Malay
_alias("patient", "pasien")
_alias("doctor", "dokter")
_alias("visit", "kunjungan", "rawat", "periksa", "pemeriksaan")
_alias("bill", "tagihan", "faktur")
_alias("payment", "pembayaran", "bayar")
_alias("name", "nama")
_alias("address", "alamat")
_alias("birth", "lahir")
_alias("date", "tanggal", "tgl")
_alias("gender", "kelamin")
_alias("age", "umur", "usia")
_alias("phone", "telepon", "telp", "nohp")
_alias("diagnosis", "diagnosa")
_alias("cost", "biaya")
_alias("price", "harga", "tarip")
_alias("amount", "jumlah")
_alias("note", "keterangan", "catatan")
_alias("test", "laboratorium")
# Turkish
_alias("patient", "hasta", "hastalar")
_alias("doctor", "doktor", "hekim")
_alias("visit", "muayene", "yatis", "yatış")
_alias("bill", "fatura")
_alias("payment", "odeme", "ödeme", "tahsilat")
_alias("first name", "adi", "adı")
_alias("last name", "soyad", "soyadi", "soyadı")
_alias("birth", "dogum", "doğum")
_alias("date", "tarih", "tarihi")
_alias("gender", "cinsiyet", "cinsiyeti")
_alias("age", "yas", "yaş", "yasi", "yaşı")
_alias("phone", "telefonu", "gsm")
_alias("address", "adres", "adresi")
_alias("diagnosis", "tani", "tanı", "teshis", "teşhis")
_alias("fee", "ucret", "ücret", "ucreti", "ücreti")
_alias("amount", "tutar", "tutari", "tutarı")
_alias("specialty", "brans", "branş", "uzmanlik", "uzmanlık")
# Turkish, more
_alias("first name", "ad", "isim")
_alias("treatment", "tedavi")
_alias("test", "laboratuvar", "laboratuar", "tahlil", "tahliller", "testleri")
_alias("payment", "odemeler", "ödemeler")
_alias("method", "yontem", "yöntem", "yontemi", "yöntemi", "sekli", "şekli")
_alias("specimen", "numune")
_alias("bill", "faturalar")
_alias("type", "turu", "türü", "turleri", "türleri")
_alias("information", "detay", "detaylari", "detayları")
_alias("visit", "muayeneler", "kayitlari", "kayıtları")
_alias("doctor", "doktorlar")
_alias("patient", "hastalar")
# Polish
_alias("patient", "pacjent", "pacjenci", "pacjenta", "chory")
_alias("doctor", "lekarz", "lekarze", "lekarza")
_alias("visit", "wizyta", "wizyty", "leczenie", "hospitalizacja", "pobyt")
_alias("bill", "rachunek", "rachunki", "faktury")
_alias("payment", "platnosc", "płatność", "platnosci", "płatności", "wplata", "wpłata")
_alias("test", "badanie", "badania", "badan", "badań")
_alias("first name", "imie", "imię")
_alias("last name", "nazwisko")
_alias("gender", "plec", "płeć")
_alias("age", "wiek")
_alias("birth", "urodzenia", "urodzin")
_alias("phone", "telefonu", "komorka", "komórka")
_alias("address", "ulica", "adresu")
_alias("house", "domu", "mieszkania", "lokalu")
_alias("city", "miasto", "miejscowosc", "miejscowość", "gmina")
_alias("zip", "poczta", "pocztowy")
_alias("specialty", "specjalizacja", "specjalnosc", "specjalność")
_alias("department", "oddzial", "oddział", "oddzialu")
_alias("diagnosis", "rozpoznanie", "diagnoza")
_alias("value", "wynik", "wyniki")
_alias("description", "opis")
_alias("note", "uwagi")
_alias("amount", "kwota", "suma")
_alias("price", "cena", "koszt")
_alias("registration", "rejestracji", "rejestracja")
_alias("type", "rodzaj")
# Romanian
_alias("patient", "pacient", "pacienti", "pacienți", "pacientii")
_alias("doctor", "medic", "medici", "doctori")
_alias("visit", "internare", "internari", "internări", "consultatie", "consultatii",
       "consultație")
_alias("appointment", "programare", "programari", "programări")
_alias("test", "analiza", "analize", "analiză", "analizele")
_alias("first name", "prenume")
_alias("name", "nume")
_alias("birth", "nasterii", "nașterii", "nastere", "naștere")
_alias("age", "varsta", "vârsta", "vârstă")
_alias("address", "adresa", "adresă", "strada", "stradă")
_alias("city", "oras", "oraș", "localitate", "judet", "județ")
_alias("specialty", "specializare", "specialitate")
_alias("diagnosis", "diagnostic", "diagnostice")
_alias("note", "observatii", "observații", "mentiuni", "mențiuni")
_alias("value", "rezultat", "rezultate")
_alias("price", "pret", "preț")
_alias("amount", "suma", "sumă", "total")
_alias("bill", "factura", "facturi", "factură")
_alias("payment", "plata", "plată", "plati", "plăți")
_alias("date", "ora")
_alias("department", "sectie", "secție", "sectia", "secția")
# Lithuanian
_alias("patient", "pacientas", "pacientai", "paciento")
_alias("doctor", "gydytojas", "gydytojai", "gydytojo")
_alias("visit", "vizitas", "vizitai", "apsilankymas")
_alias("test", "tyrimas", "tyrimai", "tyrimo")
_alias("first name", "vardas")
_alias("last name", "pavarde", "pavardė")
_alias("phone", "telefonas", "tel")
_alias("birth", "gimimo")
_alias("gender", "lytis")
_alias("specialty", "specializacija")
_alias("date", "laikas", "val")
_alias("reason", "nusiskundimas", "skundas")
_alias("type", "tipas", "tip")
_alias("diagnosis", "diagnoze", "diagnozė")
_alias("price", "kaina")
_alias("payment", "mokejimas", "mokėjimas", "mokejimai")
_alias("bill", "saskaita", "sąskaita", "saskaitos")
_alias("address", "adresas")
_alias("city", "miestas")
# Dutch, more
_alias("visit", "consultatie", "consultaties")
_alias("test", "onderzoek", "onderzoeken")
_alias("reason", "klacht", "klachten")
_alias("last name", "familienaam")
_alias("house", "huisnr", "huisnummer")
_alias("start", "starttijd", "begintijd")
# Dutch
_alias("patient", "patiënt", "patienten", "patiënten")
_alias("doctor", "arts", "artsen", "huisarts")
_alias("visit", "bezoek", "consult", "opname")
_alias("appointment", "afspraak", "afspraken")
_alias("bill", "factuur", "facturen")
_alias("payment", "betaling", "betalingen")
_alias("first name", "voornaam")
_alias("last name", "achternaam")
_alias("birth date", "geboortedatum")
_alias("gender", "geslacht")
_alias("age", "leeftijd")
_alias("phone", "telefoon", "telefoonnummer")
_alias("address", "adres", "straat")
_alias("zip", "postcode")
_alias("city", "woonplaats", "plaats")
_alias("amount", "bedrag")
# Chinese pinyin, as Chinese HMS projects name their columns (run together: yishengxingming
# is yisheng + xingming, the doctor's name)
_alias("name", "xingming", "mingcheng", "mingzi")
_alias("gender", "xingbie")
_alias("phone", "shouji", "dianhua", "lianxidianhua", "lianxifangshi")
_alias("address", "dizhi", "zhuzhi")
_alias("age", "nianling")
_alias("birth", "chusheng")
_alias("birth date", "shengri")
_alias("date", "riqi", "shijian")
_alias("patient", "huanzhe", "bingren")
_alias("doctor", "yisheng", "yishi")
_alias("department", "keshi")
_alias("specialty", "zhuanchang", "zhuanye")
_alias("visit", "jiuzhen", "menzhen", "zhuyuan", "bingli")
_alias("appointment", "guahao", "yuyue")
_alias("diagnosis", "zhenduan")
_alias("cost", "feiyong")
_alias("amount", "jine", "zongjia", "zongji")
_alias("price", "jiage", "danjia")
_alias("payment", "zhifu", "fukuan", "jiaofei")
_alias("fee", "shoufei")
_alias("test", "jiancha", "jianyan", "huayan")
_alias("value", "jieguo")
_alias("name", "xiangmu")   # the item examined: a test's name
_alias("number", "bianhao", "haoma")
_alias("note", "beizhu")
_alias("status", "zhuangtai")
_alias("unit", "danwei")
_alias("reason", "motiv", "motive", "purpose", "amac", "amaç", "cel", "tujuan", "finalidade", "finalidad",
       "zhusu", "bingzheng", "zhengzhuang")
_alias("treatment", "zhiliao")
_alias("created", "add", "added", "inserted")
_alias("report", "baogao", "report", "reports")
_alias("information", "xinxi", "info", "information", "details")
_alias("category", "fenlei", "leibie")
_alias("staff", "staff", "employee", "employees", "personnel", "petugas", "pegawai",
       "funcionario", "funcionário", "empleado", "personel", "pracownik")
_alias("account", "zhanghao", "account", "acct", "username", "yonghuming")
# Indonesian abbreviations
_alias("name", "nm")
_alias("gender", "jk")
_alias("phone", "hp")
_alias("patient number", "rm", "rekam")
_alias("registration", "daftar", "pendaftaran")
_alias("department", "poliklinik", "poli")
_alias("city", "kota", "kot", "kabupaten", "kab")
_alias("state", "provinsi", "prov")
_alias("district", "district", "kecamatan", "kec", "kelurahan", "kel", "desa")
_alias("house", "rt", "rw")  # rukun tetangga / rukun warga: the neighbourhood's numbers
# Spanish and Portuguese words the tables above do not already hold
_alias("specialty", "especialidade", "especialidades", "especializacion", "especialización")
_alias("method", "metodo", "método", "forma")
_alias("doctor", "dentista", "dentistas", "odontologo", "odontólogo", "odontologa")
_alias("license", "crm", "matricula", "matrícula", "colegiado", "colegiatura")
_alias("prescription", "prescription", "prescriptions", "resep", "receta", "recetas",
       "ricetta", "rezept", "ordonnance", "chufang", "prescricao", "prescrição")
# a disease is what a diagnosis names; an exam is a test
_alias("diagnosis", "dis", "disease", "diseases", "krankheit", "enfermedad", "doenca",
       "doença", "malattia", "maladie", "penyakit", "hastalik", "hastalık", "choroba")
_alias("test", "exa", "exam", "exams", "exame", "exames")
# what was done and advised at a visit: its notes
_alias("treatment", "procedure", "procedures", "procedimento", "procedimentos",
       "procedimiento", "procedimientos", "prozedur", "fangan")
_alias("note", "recommendation", "recommendations", "advice", "advise", "suggest",
       "suggestion", "suggestions", "conseil",
       "consejo", "empfehlung")
# rendez-vous (French): a booking
_alias("appointment", "rdv", "rendez")
# hiring words: the day a doctor joined
_alias("join", "employment", "employed", "assunzione", "contratacion", "contratación",
       "admissao", "admissão", "embauche", "einstellung")
# Albanian
_alias("patient", "pacientet", "pacientit")
_alias("doctor", "doktori", "doktoret", "doktorët", "mjeku", "mjeket", "mjekët")
_alias("visit", "vizita", "vizitat", "vizites", "vizitës")
_alias("appointment", "termini", "terminet", "terminit")
_alias("bill", "fatura", "faturat", "faturimit", "fatures", "faturës")
_alias("payment", "pagesa", "pagesat", "pageses", "pagesës")
_alias("first name", "emri", "emer", "emër")
_alias("last name", "mbiemri", "mbiemer", "mbiemër")
_alias("phone", "telefoni")
_alias("address", "adresa")
_alias("date", "koha")
_alias("price", "cmimi", "çmimi")
_alias("amount", "shuma", "shuma")
_alias("paid", "paguar")
_alias("method", "menyra", "mënyra")
_alias("treatment", "terapia", "terapi")
_alias("diagnosis", "diagnoza")
_alias("department", "reparti", "repart")
_alias("status", "statusi")
# a person's middle name or patronymic (Russian otchestvo): part of the full name
_alias("middle", "middle", "patronymic", "patronym", "otchestvo", "third", "middlename")
#: words that carry nothing on their own
STOP = {"of", "the", "de", "la", "el", "der", "die", "das", "des", "du", "von", "del", "le",
         "and", "y", "und", "in", "at", "on", "a", "vous", "fk"}
