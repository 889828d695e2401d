"""What the case flow tells other apps, sent by cases.workflow.perform inside the step's transaction (a receiver's
writes commit or roll back with the step):

- ``case_registered(sender=Case, case, event, actor)``: staff registered a report (立案), once per case — the
  reported → registered step is taken at most once. cogov grants a good deed's points on it.
- ``case_closed(sender=Case, case, event, actor)``: the case was closed (结案) by a dispatcher, or at once when
  verified if its category closes its cases itself (actor None); again after a reopen.

Listen from your AppConfig.ready()::

    from cases.signals import case_registered

    case_registered.connect(my_receiver, dispatch_uid="myapp-case-registered")
"""

from django.dispatch import Signal

case_registered = Signal()
case_closed = Signal()

SENT_ON = {"register": case_registered, "close": case_closed}
