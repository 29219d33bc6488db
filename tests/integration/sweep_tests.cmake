# launch/sweep.sh end to end on configs/sweeps/ci_tiny.ini (interrupt, resume, --parallel 2, skip on
# relaunch); the script exits 77 (skipped) without SST2_DIR.
add_test(NAME test_sweep_workstation
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_sweep_workstation.sh ${CMAKE_RUNTIME_OUTPUT_DIRECTORY})
set_tests_properties(test_sweep_workstation PROPERTIES LABELS integration SKIP_RETURN_CODE 77 TIMEOUT 900 RUN_SERIAL TRUE)
# launch/sweep.sh running an adaptive design ([design]) wave by wave: interrupted, continued, ended by max_waves.
add_test(NAME test_adaptive_sweep_workstation
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/test_adaptive_sweep.sh ${CMAKE_RUNTIME_OUTPUT_DIRECTORY})
set_tests_properties(test_adaptive_sweep_workstation PROPERTIES LABELS integration SKIP_RETURN_CODE 77 TIMEOUT 300
                     RUN_SERIAL TRUE)
