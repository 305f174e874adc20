namespace MLNet.Extensions.Trainers.Tests.Distributed;

/// <summary>The tests that start MPI jobs run one at a time and alone, so that their ranks do not fight other tests for the cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MpiCollection : ICollectionFixture<OneRankReference>
{
    public const string Name = "MPI jobs";
}

/// <summary>The worker trained alone (no launcher, a single process): the curve the distributed runs must reproduce.</summary>
public sealed class OneRankReference
{
    internal WorkerRun Run { get; } = MpiWorkerProcess.Alone("all");
}
