// Budget and cancellation tests measure wall time; running test classes one at a time keeps them from loading each other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
