# Fault tolerance (preemption signals, a rank killed, damaged checkpoints, non-finite losses) and
# bad-input tests: every failure must end the job with one clear error line, never a hang.
foreach(t test_fault_tolerance test_trainer_errors)
  sst_add_test(${t} SOURCES ${t}.cpp LIBS sst_train sst_test_support LABELS integration)
  add_dependencies(${t} sst-train sst-prep)
endforeach()
