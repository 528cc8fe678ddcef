Feature: The desk: the committee and recorders sign in their browser
  As a member of the citizens' committee, or a recorder at the police,
  I open my institution's key in the desk and act on the ledger from my browser,
  each step a statement signed in the page, so that I need no command line
  and my key never leaves my computer.

  Background:
    Given the police arrested P-17 and released him "on instructions" from a provincial minister
    And the desk is served over that ledger

  Scenario: A committee member asks the police to explain a flagged release
    Given a committee member opens the committee's key, protected by its passphrase, on the committee's page
    Then the desk says the key belongs to the Citizens' Committee
    When she asks the police to explain the release of P-17, with an answer due in two weeks
    Then the queue shows the release of P-17 as "Explanation requested" at once
    And the request is in the log, signed with the committee's key, and verifies against a signed checkpoint

  Scenario: A recorder's bad record is refused at the field
    Given a police recorder opens the police key on the recording page
    When he records an arrest with the case number "FIR 112/2026"
    Then the desk shows the ledger's refusal beside the case number
    And nothing was stored

  Scenario: A revoked key is refused
    When the interrupters open their old key, which the committee revoked, on the recording page
    Then the desk says in plain words that the key was revoked
    And no form to record an event is offered

  Scenario Outline: The desk reads well on a phone and on a desktop, in English and in Urdu
    When a committee member opens the committee's page in <language> on a screen <width> pixels wide, with her key open and a flag chosen
    Then nothing on the page is wider than the screen
    And the page runs <direction>
    And axe-core finds no serious accessibility problem

    Examples:
      | language | width | direction     |
      | English  | 390   | left to right |
      | English  | 1280  | left to right |
      | Urdu     | 390   | right to left |
      | Urdu     | 1280  | right to left |
