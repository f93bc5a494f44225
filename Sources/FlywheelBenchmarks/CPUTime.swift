import Foundation

/// CPU seconds this process has used (`CLOCK_PROCESS_CPUTIME_ID`): the measure every benchmark here reports, as the
/// reference numbers in ../shared/data/README.md are.
func processCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
