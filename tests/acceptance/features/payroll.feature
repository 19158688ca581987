Feature: Paying employees correctly
  As the payroll officer
  I want every pay run calculated under the ATO's rules, approved by someone else and paid once
  So that employees are paid exactly what they are owed and the books balance

  # Every amount below is published by the ATO or computed by hand from published figures:
  # the tags (@published, @computed) and the examples' source column say which, and the
  # comments show the arithmetic. None is taken from the engine under test.

  Background:
    Given the payroll system with clerk "Clara" and approver "Alex"

  # Computed by hand from published figures: gross 78,000 / 26 = 3,000.00. Tax: the weekly
  # equivalent 1,500 gives x = 1,500.99; scale 2 of Schedule 1 from 1 July 2024 (NAT 1004,
  # source A1) has a = 0.3200, b = 176.5769 there: 0.3200 x 1,500.99 - 176.5769 = 303.74,
  # $304 a week, twice that ($608) a fortnight. Super guarantee 11.5% (the 2024-25 rate,
  # source D1) of 3,000.00 = 345.00. Net 3,000.00 - 608.00 = 2,392.00.
  @computed
  Scenario: A salaried employee's first fortnight under the 2024-25 tax rates
    Given "Pat Doe" earns a salary of $78,000 a year, paid fortnightly, on tax scale 2
    When the pay run for the fortnight starting 2024-07-01 is calculated and approved
    Then the payslip of "Pat Doe" shows gross pay of $3,000.00
    And the payslip of "Pat Doe" shows tax withheld of $608.00
    And the payslip of "Pat Doe" shows super guarantee of $345.00
    And the payslip of "Pat Doe" shows net pay of $2,392.00

  # Computed by hand: 76 h x $40.00 = 3,040.00 ordinary, 4 h x $40.00 x 2 = 320.00 overtime.
  @computed
  Scenario: Warehouse overtime at double time
    Given "Sam Lee" is paid $40.00 an hour, fortnightly, on tax scale 2
    And "Sam Lee" worked 76 ordinary hours and 4 hours at double time
    When the pay run for the fortnight starting 2024-07-01 is calculated and approved
    Then the payslip of "Sam Lee" shows gross pay of $3,360.00
    And the payslip of "Sam Lee" has a line "Overtime at double time" of $320.00

  # The ATO's worked examples (data/payroll/ato_examples.csv, sources in SOURCES.md). B-GE1's
  # amount is published. A-EX1's stored excerpt stops before the amount: 234 is computed from
  # its published weekly amount (250) less its published Medicare levy adjustment (16). The
  # last step checks each label against the examples file.
  @published
  Scenario Outline: The ATO's worked examples
    Given weekly earnings of $<earnings> on tax scale <scale> with <children> children on the Medicare levy variation
    When the payment is made on <paid on>
    Then $<withheld> is withheld
    And $<withheld> is <source>

    Examples:
      | example | earnings | scale | children | paid on    | withheld | source                                              |
      | B-GE1   | 1103.45  | 2     | 5        | 2023-07-05 | 178      | published in B-GE1 as amount                        |
      | A-EX1   | 1333.00  | 2     | 5        | 2024-07-03 | 234      | computed from A-EX1's weekly_amount - levy_adjustment |

  Scenario: Nobody approves their own pay run
    Given "Pat Doe" earns a salary of $78,000 a year, paid fortnightly, on tax scale 2
    And "Clara" also holds the approver role
    When "Clara" calculates the pay run for the fortnight starting 2024-07-01
    Then "Clara" is refused when approving it, for segregation of duties
    And "Alex" can approve it

  Scenario: A fortnight is never paid twice
    Given "Pat Doe" earns a salary of $78,000 a year, paid fortnightly, on tax scale 2
    When the pay run for the fortnight starting 2024-07-01 is calculated and approved
    And the pay run for the fortnight starting 2024-07-01 is created again
    Then it is the same pay run, still holding 1 payslip

  Scenario: The bank file pays every net amount
    Given "Pat Doe" earns a salary of $78,000 a year, paid fortnightly, on tax scale 2
    And "Sam Lee" is paid $40.00 an hour, fortnightly, on tax scale 2
    And "Sam Lee" worked 76 ordinary hours and 4 hours at double time
    When the pay run for the fortnight starting 2024-07-01 is calculated and approved
    Then the bank file credits the total net pay to 2 accounts and balances with one debit
