"""FHIR R4: intakes, their scores and their referrals as FHIR resources.

`questionnaires` builds the Questionnaire of each instrument and flow from the
definitions in `forms`; `intake_resources` and `referral_resources` map stored
intakes and referrals to resources; `bulk_files` writes a bulk export's files (in a
worker). Resources are `fhir.resources` models, never hand-built JSON. The REST
interface that serves them is `clinic.fhir.rest`.
"""
