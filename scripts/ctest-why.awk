# Prints, for every test in a CTest LastTest.log that did not pass, the lines of its output
# that say why (assertion failures and the 3 lines after each, sanitizer reports, fatal log
# lines), at most 60 each. Used by scripts/test.sh at the end of a failing run.
/^[0-9]+\/[0-9]+ Testing: / { name = $3; n = 0; after = 0; delete keep; next }
/^Test Passed\./ { name = ""; next }
/^Test Fail/ {
  if (name != "") {
    printf "---- %s: why (%d lines kept)\n", name, n
    for (i = 1; i <= n; i++) print keep[i]
    name = ""
  }
  next
}
name == "" || n >= 60 { next }
after > 0 || /Failure|FAILED|Expected|Which is|Value of|Actual:|ERROR|Sanitizer|SUMMARY|runtime error|^ *#[0-9]+ 0x|Assertion|terminate called|what\(\)|No space|[Kk]illed|"level":"(error|fatal)"/ {
  keep[++n] = substr($0, 1, 240)
  if (after > 0) after--
  if (/: Failure$/) after = 3
}
