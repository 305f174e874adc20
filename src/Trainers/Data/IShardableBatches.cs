using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Data;

/// <summary>Global batches that can hand one rank its slice of each without reading the other ranks' rows.</summary>
internal interface IShardableBatches : IEnumerable<TrainingBatch>
{
    /// <summary>Each global batch's rows [total * rank / size, total * (rank + 1) / size), in order; empty when that slice is.</summary>
    IEnumerable<TrainingBatch> Slices(int rank, int size);
}
