"""The indicators' tables whose changes change a fund's data (the mechanism: transfers.versions).

Every table of a fund's target tables and returns: what a board, a check or a document prints
is read from them. Notifications, sent reminders and the audit trail change nothing printed.
"""

from transfers.versions import RETURN, Watch

TABLE = ("indicators_targettable", "fund_id", "id")  # an indicator leads to its table's fund

WATCHED: tuple[Watch, ...] = (
    Watch("indicators_targettable"),
    Watch("indicators_indicatortarget", "table_id", TABLE),
    Watch("indicators_monitoringplan"),
    Watch("indicators_return"),
    Watch("indicators_returnfunding", "ret_id", RETURN),
    Watch("indicators_indicatoractual", "ret_id", RETURN),
    Watch("indicators_returnnarrative", "ret_id", RETURN),
    Watch("indicators_returncomment", "ret_id", RETURN),
    Watch("indicators_attachment", "ret_id", RETURN),
    Watch("indicators_approvalexception", "ret_id", RETURN),
    Watch("indicators_deadline"),
    Watch("indicators_deadlineunlock", "ret_id", RETURN),
    Watch("indicators_spotcheckdraw"),
    Watch("indicators_spotcheck", "ret_id", RETURN),
)
