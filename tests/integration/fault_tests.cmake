# Fault tolerance on real SST-2 (preemption signals, a rank killed, damaged checkpoints, non-finite
# losses): every failure must end the job with one clear error line, never a hang. Bad input and hostile
# situations (full disk, locked or damaged run directories) are the catalogue in tests/hostile/.
sst_add_test(test_fault_tolerance SOURCES test_fault_tolerance.cpp LIBS sst_train sst_test_support LABELS integration)
add_dependencies(test_fault_tolerance sst-train sst-prep)
