Feature: Paying employees correctly
  As the payroll officer
  I want every pay run calculated under the ATO's rules, approved by someone else and paid once
  So that employees are paid exactly what they are owed and the books balance

  Background:
    Given the payroll system with clerk "Clara" and approver "Alex"

  Scenario: A salaried employee's first fortnight under the 2024-25 tax rates
    Given "Pat Doe" earns a salary of $78,000 a year, paid fortnightly, on tax scale 2
    When the pay run for the fortnight starting 2024-07-01 is calculated and approved
    Then the payslip of "Pat Doe" shows gross pay of $3,000.00
    And the payslip of "Pat Doe" shows tax withheld of $608.00
    And the payslip of "Pat Doe" shows super guarantee of $345.00
    And the payslip of "Pat Doe" shows net pay of $2,392.00

  Scenario: Warehouse overtime at double time
    Given "Sam Lee" is paid $40.00 an hour, fortnightly, on tax scale 2
    And "Sam Lee" worked 76 ordinary hours and 4 hours at double time
    When the pay run for the fortnight starting 2024-07-01 is calculated and approved
    Then the payslip of "Sam Lee" shows gross pay of $3,360.00
    And the payslip of "Sam Lee" has a line "Overtime at double time" of $320.00

  Scenario Outline: The ATO's published examples
    Given weekly earnings of $<earnings> on tax scale <scale> with <children> children on the Medicare levy variation
    When the payment is made on <paid on>
    Then $<withheld> is withheld

    Examples:
      | example | earnings | scale | children | paid on    | withheld |
      | B-GE1   | 1103.45  | 2     | 5        | 2023-07-05 | 178      |
      | A-EX1   | 1333.00  | 2     | 5        | 2024-07-03 | 234      |

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
