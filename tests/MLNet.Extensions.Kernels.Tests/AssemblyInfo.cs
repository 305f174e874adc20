// Tests lower the process-wide SIMD cap to reach every path; running them in parallel would let one test's cap leak into another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
