using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Data;

/// <summary>
/// Streams an <see cref="IDataView"/> into <see cref="TrainingBatch"/>es through one cursor, validating every row on the
/// way in: a wrong vector length, a NaN or a missing label stops training with a message naming column and row.
/// </summary>
internal sealed class DataViewBatchReader : IDisposable
{
    private readonly DataViewRowCursor _cursor;
    private readonly ValueGetter<VBuffer<float>> _features;
    private readonly ValueGetter<uint>? _keyLabel;
    private readonly ValueGetter<bool>? _boolLabel;
    private readonly ValueGetter<float>? _floatLabel;
    private readonly ValueGetter<VBuffer<float>>? _vectorLabel;
    private readonly string _featureColumn;
    private readonly string? _labelColumn;
    private readonly InputLayout _layout;
    private readonly int _classes;
    private readonly TargetScaling? _targetScaling;
    private readonly ValueGetter<float>? _weight;
    private readonly string? _weightColumn;
    private readonly float[]? _classWeights;
    private VBuffer<float> _featureBuffer;
    private VBuffer<float> _labelBuffer;
    private long _row;

    /// <summary>
    /// Reads <paramref name="featureColumn"/> in <paramref name="layout"/> and the label for <paramref name="task"/>;
    /// <paramref name="targetScaling"/>, when given, standardises regression targets as they are read. A weighted batch
    /// (<see cref="TrainingBatch.HasWeights"/>) gets each row's <paramref name="weightColumn"/> value (1 without one) times
    /// <paramref name="classWeights"/>[class] (when given).
    /// </summary>
    public DataViewBatchReader(IDataView data, string featureColumn, InputLayout layout, string? labelColumn,
        PredictionTask task, int classes, TargetScaling? targetScaling = null, string? weightColumn = null, float[]? classWeights = null)
    {
        _targetScaling = targetScaling;
        _weightColumn = weightColumn;
        _classWeights = classWeights;
        _featureColumn = featureColumn;
        _labelColumn = labelColumn;
        _layout = layout;
        _classes = classes;
        DataViewSchema.Column feature = ColumnChecks.Find(data.Schema, featureColumn, "feature");
        DataViewSchema.Column? label = labelColumn is null ? null : ColumnChecks.Find(data.Schema, labelColumn, "label");
        DataViewSchema.Column? weight = weightColumn is null ? null : ColumnChecks.Find(data.Schema, weightColumn, "example weight");
        if (weight is { } w && w.Type != NumberDataViewType.Single)
            throw new ArgumentException($"The example weight column '{weightColumn}' must be Single; it is {w.Type}. Convert it with ConvertType.", nameof(weightColumn));
        IEnumerable<DataViewSchema.Column> active = label is null ? [feature] : [feature, label.Value];
        _cursor = data.GetRowCursor(weight is null ? active : [.. active, weight.Value]);
        _features = _cursor.GetGetter<VBuffer<float>>(feature);
        if (weight is { } weightCol)
            _weight = _cursor.GetGetter<float>(weightCol);
        if (label is DataViewSchema.Column l)
        {
            switch (task)
            {
                case PredictionTask.MulticlassClassification:
                    _keyLabel = _cursor.GetGetter<uint>(l);
                    break;
                case PredictionTask.BinaryClassification:
                    _boolLabel = _cursor.GetGetter<bool>(l);
                    break;
                default:
                    if (l.Type is VectorDataViewType)
                        _vectorLabel = _cursor.GetGetter<VBuffer<float>>(l);
                    else
                        _floatLabel = _cursor.GetGetter<float>(l);
                    break;
            }
        }
    }

    /// <summary>Rows read so far.</summary>
    public long RowsRead => _row;

    /// <summary>Fills up to <see cref="TrainingBatch.Capacity"/> samples; returns false when the data is exhausted.</summary>
    public bool Fill(TrainingBatch batch)
    {
        int n = 0;
        while (n < batch.Capacity && _cursor.MoveNext())
        {
            ReadFeatures(batch, n);
            ReadLabel(batch, n);
            if (batch.HasWeights)
                batch.Weights[n] = ReadWeight(batch, n);
            _row++;
            n++;
        }
        batch.Count = n;
        return n > 0;
    }

    private void ReadFeatures(TrainingBatch batch, int index)
    {
        _features(ref _featureBuffer);
        int length = _featureBuffer.Length;
        if (!_layout.Accepts(length))
            throw new InvalidOperationException(
                $"Feature column '{_featureColumn}' has {length} values at row {_row}; expected {_layout.Describe()}.");
        Span<float> destination = batch.Features.AsSpan(index * batch.FeatureSize, batch.FeatureSize);
        destination.Clear();
        if (_featureBuffer.IsDense)
        {
            _featureBuffer.GetValues().CopyTo(destination);
        }
        else
        {
            ReadOnlySpan<float> values = _featureBuffer.GetValues();
            ReadOnlySpan<int> indices = _featureBuffer.GetIndices();
            for (int i = 0; i < values.Length; i++)
                destination[indices[i]] = values[i];
        }
        for (int i = 0; i < length; i++)
        {
            if (!float.IsFinite(destination[i]))
                throw new InvalidOperationException(
                    $"Feature column '{_featureColumn}' has a non-finite value ({destination[i]}) at row {_row}, slot {i}; " +
                    "networks need finite inputs (replace missing values first, e.g. with ReplaceMissingValues).");
        }
        batch.Lengths[index] = length;
    }

    private void ReadLabel(TrainingBatch batch, int index)
    {
        if (_keyLabel is not null)
        {
            uint key = 0;
            _keyLabel(ref key);
            if (key == 0 || key > _classes)
                throw new InvalidOperationException(
                    $"Label column '{_labelColumn}' has a missing or out-of-range key at row {_row}; expected 1 to {_classes}.");
            batch.ClassLabels[index] = (int)key - 1;
        }
        else if (_boolLabel is not null)
        {
            bool value = false;
            _boolLabel(ref value);
            batch.Targets[index] = value ? 1f : 0f;
        }
        else if (_floatLabel is not null)
        {
            float value = 0;
            _floatLabel(ref value);
            if (!float.IsFinite(value))
                throw new InvalidOperationException($"Label column '{_labelColumn}' has a non-finite value ({value}) at row {_row}.");
            batch.Targets[index] = value;
            _targetScaling?.Standardize(batch.Targets.AsSpan(index, 1));
        }
        else if (_vectorLabel is not null)
        {
            _vectorLabel(ref _labelBuffer);
            if (_labelBuffer.Length != batch.TargetSize)
                throw new InvalidOperationException(
                    $"Label column '{_labelColumn}' has {_labelBuffer.Length} values at row {_row}; expected {batch.TargetSize}.");
            Span<float> destination = batch.Targets.AsSpan(index * batch.TargetSize, batch.TargetSize);
            _labelBuffer.CopyTo(destination);
            foreach (float v in destination)
            {
                if (!float.IsFinite(v))
                    throw new InvalidOperationException($"Label column '{_labelColumn}' has a non-finite value ({v}) at row {_row}.");
            }
            _targetScaling?.Standardize(destination);
        }
    }

    private float ReadWeight(TrainingBatch batch, int index)
    {
        float weight = 1;
        if (_weight is not null)
        {
            _weight(ref weight);
            if (!float.IsFinite(weight) || weight < 0)
                throw new InvalidOperationException(
                    $"Example weight column '{_weightColumn}' has {weight} at row {_row}; weights must be finite and zero or more.");
        }
        if (_classWeights is not null)
            weight *= _classWeights[_keyLabel is not null ? batch.ClassLabels[index] : batch.Targets[index] >= 0.5f ? 1 : 0];
        return weight;
    }

    /// <inheritdoc />
    public void Dispose() => _cursor.Dispose();
}
