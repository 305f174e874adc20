using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Data;

/// <summary>
/// Checked rows held in contiguous arrays (features zero-padded, lengths, targets or class indices, weights), filled once
/// by the checking pass so that epochs copy rows into batches instead of re-reading the data view.
/// </summary>
internal sealed class InMemoryRows
{
    private readonly int _featureSize;
    private readonly int _targetSize;
    private readonly bool _multiclass;
    private readonly bool _weighted;
    private readonly long _limitRows;
    private float[] _features = [];
    private int[] _lengths = [];
    private float[] _targets = [];
    private int[] _classes = [];
    private float[] _weights = [];

    /// <summary>Rows of <paramref name="featureSize"/> floats; <paramref name="limitBytes"/> bounds what <see cref="TryAppend"/> takes.</summary>
    public InMemoryRows(int featureSize, int targetSize, bool multiclass, bool weighted, long limitBytes, long? knownRows)
    {
        _featureSize = featureSize;
        _targetSize = targetSize;
        _multiclass = multiclass;
        _weighted = weighted;
        _limitRows = Math.Min(limitBytes / BytesPerRow(featureSize, targetSize, multiclass, weighted), Array.MaxLength / Math.Max(1, featureSize));
        if (knownRows is long rows && rows <= _limitRows)
            Grow((int)rows);
    }

    /// <summary>Bytes one row takes here.</summary>
    public static long BytesPerRow(int featureSize, int targetSize, bool multiclass, bool weighted) =>
        4L * (featureSize + 1 + (multiclass ? 1 : targetSize) + (weighted ? 1 : 0));

    /// <summary>Rows held.</summary>
    public int Count { get; private set; }

    /// <summary>Bytes the rows take.</summary>
    public long Bytes => Count * BytesPerRow(_featureSize, _targetSize, _multiclass, _weighted);

    /// <summary>Most rows the byte limit allows.</summary>
    public long LimitRows => _limitRows;

    /// <summary>Adds the rows of a checked batch (weights are 1 when it has none); false, adding nothing, past the limit.</summary>
    public bool TryAppend(TrainingBatch batch)
    {
        if (Count + (long)batch.Count > _limitRows)
            return false;
        if (Count + batch.Count > _lengths.Length)
            Grow((int)Math.Min(_limitRows, Math.Max(Count + batch.Count, 2L * _lengths.Length)));
        batch.Features.AsSpan(0, batch.Count * _featureSize).CopyTo(_features.AsSpan(Count * _featureSize));
        batch.Lengths.AsSpan(0, batch.Count).CopyTo(_lengths.AsSpan(Count));
        if (_multiclass)
            batch.ClassLabels.AsSpan(0, batch.Count).CopyTo(_classes.AsSpan(Count));
        else
            batch.Targets.AsSpan(0, batch.Count * _targetSize).CopyTo(_targets.AsSpan(Count * _targetSize));
        if (_weighted)
        {
            if (batch.HasWeights)
                batch.Weights.AsSpan(0, batch.Count).CopyTo(_weights.AsSpan(Count));
            else
                _weights.AsSpan(Count, batch.Count).Fill(1f);
        }
        Count += batch.Count;
        return true;
    }

    /// <summary>Copies row <paramref name="row"/> into sample <paramref name="index"/> of <paramref name="batch"/>.</summary>
    public void CopyRow(int row, TrainingBatch batch, int index)
    {
        _features.AsSpan(row * _featureSize, _featureSize).CopyTo(batch.Features.AsSpan(index * _featureSize, _featureSize));
        batch.Lengths[index] = _lengths[row];
        if (_multiclass)
            batch.ClassLabels[index] = _classes[row];
        else
            _targets.AsSpan(row * _targetSize, _targetSize).CopyTo(batch.Targets.AsSpan(index * _targetSize, _targetSize));
        if (batch.HasWeights)
            batch.Weights[index] = _weighted ? _weights[row] : 1f;
    }

    /// <summary>Standardises every row's targets, as the streaming reader does on the way in.</summary>
    public void Standardize(TargetScaling scaling)
    {
        if (!_multiclass)
            scaling.Standardize(_targets.AsSpan(0, Count * _targetSize));
    }

    /// <summary>Multiplies each row's weight by its class's, as the streaming reader does (binary: target at least 0.5 is class 1).</summary>
    public void ApplyClassWeights(float[] classWeights)
    {
        for (int i = 0; i < Count; i++)
            _weights[i] *= classWeights[_multiclass ? _classes[i] : _targets[i * _targetSize] >= 0.5f ? 1 : 0];
    }

    private void Grow(int rows)
    {
        Array.Resize(ref _features, rows * _featureSize);
        Array.Resize(ref _lengths, rows);
        if (_multiclass)
            Array.Resize(ref _classes, rows);
        else
            Array.Resize(ref _targets, rows * _targetSize);
        if (_weighted)
            Array.Resize(ref _weights, rows);
    }
}
