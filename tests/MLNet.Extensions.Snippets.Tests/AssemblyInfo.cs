// Snippets run in this process with their own working directory and console; running tests in parallel would mix them.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
