Feature: The lifecycles of promised consequences
  The police, the prosecution, the court, the interrupters and the citizens'
  committee each record what they did. The ledger refuses what cannot have
  happened and records what is suspicious, so that the committee sees it.

  Background:
    Given the Lyari and Kutchi Rabita groups are registered
    And P-17 is a member of the Lyari group and P-18 of Kutchi Rabita
    And officer OFF-3 serves at Kalakot police station

  Scenario: A release with no legal basis is recorded, not hidden
    Given the Lyari group was warned on 1 March
    And a shooting on 2 March was attributed to P-17 of the Lyari group
    And the police arrested P-17 in case FIR-1 on 3 March
    When the police record a release of P-17 in case FIR-1 with no legal basis on instructions from "MPA of the area"
    Then the release is recorded
    And P-17 is no longer in custody in case FIR-1

  Scenario: The release of someone not in custody is refused
    Given the police arrested P-17 in case FIR-1 on 3 March
    And the police released P-17 in case FIR-1 on 4 March
    When the police record a release of P-17 in case FIR-1 with no legal basis
    Then it is refused as "case_rule_violation" at "data.person"
    And the log is unchanged

  Scenario: A release in a case nobody opened is refused
    When the police record a release of P-18 in case FIR-2 with no legal basis
    Then it is refused as "unknown_reference" at "data.case"
    And the log is unchanged

  Scenario: A second arrest while in custody is refused
    Given the police arrested P-17 in case FIR-1 on 3 March
    When the police arrest P-17 in case FIR-1 again
    Then it is refused as "case_rule_violation" at "data.person"
    And the log is unchanged

  Scenario: A release on bail points at the court's bail order
    Given the police arrested P-17 in case FIR-1 on 3 March
    And the court granted P-17 bail in case FIR-1
    When the police record a release of P-17 in case FIR-1 on that bail order
    Then the release is recorded

  Scenario: A release on bail that names no order is refused
    Given the police arrested P-17 in case FIR-1 on 3 March
    When the police record a release of P-17 in case FIR-1 on bail without naming the order
    Then it is refused as "malformed_statement" at "data.order_event"
    And the log is unchanged

  Scenario: Only the court grants bail
    Given the police arrested P-17 in case FIR-1 on 3 March
    When the police record that P-17 was granted bail in case FIR-1
    Then it is refused as "unauthorized_role" at "type"
    And the log is unchanged

  Scenario: From charge to sentence
    Given the police arrested P-17 in case FIR-1 on 3 March
    When the prosecutor charges P-17 in case FIR-1 with "PPC 302"
    And the court convicts P-17 in case FIR-1
    And the court sentences P-17 in case FIR-1
    Then case FIR-1 shows a conviction and a sentence

  Scenario: A verdict needs a charge
    Given the police arrested P-17 in case FIR-1 on 3 March
    When the court convicts P-17 in case FIR-1
    Then it is refused as "case_rule_violation" at "data.case"
    And the log is unchanged

  Scenario: A sentence needs a conviction
    Given the police arrested P-17 in case FIR-1 on 3 March
    And the prosecutor charged P-17 in case FIR-1
    When the court sentences P-17 in case FIR-1
    Then it is refused as "case_rule_violation" at "data.case"
    And the log is unchanged

  Scenario: The committee audits an unexplained release
    Given the police arrested P-17 in case FIR-1 on 3 March
    And the police released P-17 in case FIR-1 on 4 March
    When the committee asks the police to explain the release
    And the police explain the release
    And the committee finds the release "unexplained"
    Then the inquiry into the release is closed with the finding "unexplained"

  Scenario: Only the institution asked may explain
    Given the police arrested P-17 in case FIR-1 on 3 March
    And the police released P-17 in case FIR-1 on 4 March
    And the committee asked the police to explain the release
    When the court explains the release
    Then it is refused as "unauthorized_role" at "recorder"
    And the log is unchanged

  Scenario: A wrong arrest is retracted by the police, not by the committee
    Given the police arrested P-17 in case FIR-1 on 3 March
    When the committee retracts the arrest
    Then it is refused as "unauthorized_role" at "recorder"
    When the police retract the arrest
    Then P-17 is no longer in custody in case FIR-1

  Scenario: Interrupters mediate after a shooting
    Given a shooting on 2 March was attributed to P-17 of the Lyari group
    When the interrupters record a mediation between the Lyari and Kutchi Rabita groups
    Then the mediation is recorded
    When the police record a mediation between the Lyari and Kutchi Rabita groups
    Then it is refused as "unauthorized_role" at "type"
