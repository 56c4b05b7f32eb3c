"""FHIR R4: the intake, its scores and its referrals as FHIR resources, at `/fhir/R4`.

`questionnaires` builds the Questionnaire of each instrument and flow from the
definitions in `forms`; `intake_resources` and `referral_resources` map stored
intakes and referrals to resources; `views` serves them (read, search, the Task
closed loop) behind bearer tokens. Resources are `fhir.resources` models: never
hand-built JSON.
"""

from flask import Blueprint

bp = Blueprint("fhir", __name__, url_prefix="/fhir/R4")

from clinic.fhir import views  # noqa: E402,F401
