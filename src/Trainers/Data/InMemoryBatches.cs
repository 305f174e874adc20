using System.Collections;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Data;

/// <summary>
/// One pass over <see cref="InMemoryRows"/> in batches: the given rows in order, or permuted by <see cref="RowShuffle"/>
/// when a shuffle seed is given. Fills one reused batch, so no allocation per batch.
/// </summary>
internal sealed class InMemoryBatches : IShardableBatches
{
    private readonly InMemoryRows _rows;
    private readonly int[] _source;
    private readonly int[] _order;
    private readonly TrainingBatch _batch;
    private readonly (int Seed, int Stream)? _shuffle;

    /// <summary>Rows <paramref name="source"/> of <paramref name="rows"/> into <paramref name="batch"/>; <paramref name="order"/> is scratch of the same length.</summary>
    public InMemoryBatches(InMemoryRows rows, int[] source, int[] order, TrainingBatch batch, (int Seed, int Stream)? shuffle)
    {
        _rows = rows;
        _source = source;
        _order = order;
        _batch = batch;
        _shuffle = shuffle;
    }

    /// <inheritdoc />
    public IEnumerable<TrainingBatch> Slices(int rank, int size)
    {
        _source.CopyTo(_order, 0);
        if (_shuffle is var (seed, stream))
            RowShuffle.Shuffle(_order, seed, stream);
        int capacity = _batch.Capacity;
        for (int first = 0; first < _order.Length; first += capacity)
        {
            int total = Math.Min(capacity, _order.Length - first);
            int start = (int)((long)total * rank / size), end = (int)((long)total * (rank + 1) / size);
            for (int i = start; i < end; i++)
                _rows.CopyRow(_order[first + i], _batch, i - start);
            _batch.Count = end - start;
            yield return _batch;
        }
    }

    /// <inheritdoc />
    public IEnumerator<TrainingBatch> GetEnumerator() => Slices(0, 1).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
