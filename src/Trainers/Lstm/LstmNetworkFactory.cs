using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Trainers.Data;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Layers;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Lstm;

/// <summary>Builds LSTM networks for the trainers: steps and features per step from the options or the column type.</summary>
internal sealed class LstmNetworkFactory : INetworkFactory
{
    private readonly LstmOptions _options;
    private int _featuresPerStep;
    private int _maxSteps;

    public LstmNetworkFactory(LstmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    public NetworkTrainingOptions Options => _options;

    public bool AcceptsVariableLength => _options.VariableLength;

    public FeatureLayout ResolveLayout(DataViewSchema.Column featureColumn, IDataView data)
    {
        if (featureColumn.Type is not VectorDataViewType vector || vector.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(featureColumn), featureColumn.Type,
                $"Feature column '{featureColumn.Name}' must be a vector of Single holding T steps of F features; it is {featureColumn.Type}.");
        int e = _options.TrailingFeatures;
        _featuresPerStep = _options.FeaturesPerStep > 0 ? _options.FeaturesPerStep
            : vector.Dimensions.Length == 2 && e == 0 ? vector.Dimensions[1] : 1;
        if (_options.VariableLength)
        {
            _maxSteps = LongestSequence(data, featureColumn, e, _featuresPerStep);
            return new FeatureLayout(_maxSteps * _featuresPerStep + e, VariableLength: true, _featuresPerStep, e);
        }
        if (!vector.IsKnownSize)
            throw new ArgumentException(
                $"Feature column '{featureColumn.Name}' has variable length; set VariableLength = true in the LSTM options.", nameof(featureColumn));
        if (vector.Size <= e || (vector.Size - e) % _featuresPerStep != 0)
            throw new ArgumentException(
                $"Feature column '{featureColumn.Name}' has {vector.Size} values, which is not {e} trailing features plus whole steps of {_featuresPerStep}.",
                nameof(featureColumn));
        _maxSteps = (vector.Size - e) / _featuresPerStep;
        return new FeatureLayout(vector.Size, VariableLength: false, _featuresPerStep, e);
    }

    public (ITrainableNetwork Trainable, NetworkPredictor Predictor) Create(FeatureLayout layout, int outputs, PredictionTask task)
    {
        var network = new LstmNetwork(Architecture(outputs));
        network.Initialize((ulong)_options.Seed);
        return (new Trainable(network, _options.BatchSize, (ulong)_options.Seed + 1), new LstmPredictor(network, _options.VariableLength));
    }

    public Action<TrainingBatch>? CreateAugmentation(FeatureLayout layout) => null;

    /// <summary>The architecture for <paramref name="outputs"/> outputs once the layout is resolved.</summary>
    public LstmArchitecture Architecture(int outputs) => new(_maxSteps, _featuresPerStep, _options.TrailingFeatures, _options.HiddenSize,
        _options.LayerCount, _options.Bidirectional, _options.Dropout, _options.DenseUnits, outputs);

    private static int LongestSequence(IDataView data, DataViewSchema.Column column, int trailing, int featuresPerStep)
    {
        using DataViewRowCursor cursor = data.GetRowCursor([column]);
        ValueGetter<VBuffer<float>> getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> buffer = default;
        int longest = 0;
        long row = 0;
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            int length = buffer.Length;
            if (length <= trailing || (length - trailing) % featuresPerStep != 0)
                throw new InvalidOperationException(
                    $"Feature column '{column.Name}' has {length} values at row {row}; expected {trailing} trailing features plus whole steps of {featuresPerStep}.");
            longest = Math.Max(longest, (length - trailing) / featuresPerStep);
            row++;
        }
        if (row == 0)
            throw new InvalidOperationException("The training data has no rows.");
        return longest;
    }

    private sealed class Trainable : ITrainableNetwork
    {
        private readonly LstmNetwork _network;
        private readonly LstmWorkspace _workspace;

        public Trainable(LstmNetwork network, int batchSize, ulong seed)
        {
            _network = network;
            _workspace = new LstmWorkspace(network.Architecture, batchSize, seed);
        }

        public ParameterBuffer Buffer => _network.Buffer;

        public IEnumerable<ParameterBlock> ParameterBlocks => _network.ParameterBlocks();

        public int OutputSize => _network.Architecture.SampleOutputs;

        public ReadOnlySpan<float> Forward(TrainingBatch batch, bool training) =>
            _network.Forward(_workspace, batch.Features, batch.Lengths, batch.Count, training);

        public void Backward(TrainingBatch batch, ReadOnlySpan<float> dOutputs) => _network.Backward(_workspace, batch.Count, dOutputs);
    }
}
