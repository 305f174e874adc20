using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Lstm;

/// <summary>Builds sequence networks for the trainers: steps and features per step from the options or the column type.</summary>
internal sealed class LstmNetworkFactory : INetworkFactory
{
    private readonly LstmOptions _options;

    public LstmNetworkFactory(LstmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    public NetworkTrainingOptions Options => _options;

    public bool AcceptsVariableLength => _options.VariableLength;

    public InputLayout ResolveLayout(DataViewSchema.Column featureColumn, IDataView data)
    {
        if (featureColumn.Type is not VectorDataViewType vector || vector.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(featureColumn), featureColumn.Type,
                $"Feature column '{featureColumn.Name}' must be a vector of Single holding T steps of F features; it is {featureColumn.Type}.");
        int e = _options.TrailingFeatures;
        int featuresPerStep = _options.FeaturesPerStep > 0 ? _options.FeaturesPerStep
            : vector.Dimensions.Length == 2 && e == 0 && vector.Dimensions[1] > 0 ? vector.Dimensions[1]
            : throw new ArgumentException(
                $"Option FeaturesPerStep is 0 but feature column '{featureColumn.Name}' is a flat vector ({vector}) with no (steps, features) " +
                $"dimensions{(e > 0 ? $" that could hold {e} trailing features" : "")} to read it from; set FeaturesPerStep (1 for a univariate series), " +
                "or give the column (steps, features) dimensions as SlidingWindow does.", nameof(LstmOptions.FeaturesPerStep));
        if (_options.VariableLength)
        {
            int longest = LongestSequence(data, featureColumn, e, featuresPerStep);
            return new InputLayout(TensorShape.Sequence(longest, featuresPerStep), e, VariableLength: true);
        }
        if (!vector.IsKnownSize)
            throw new ArgumentException(
                $"Feature column '{featureColumn.Name}' has variable length; set VariableLength = true in the LSTM options.", nameof(featureColumn));
        if (vector.Size <= e || (vector.Size - e) % featuresPerStep != 0)
            throw new ArgumentException(
                $"Feature column '{featureColumn.Name}' has {vector.Size} values, which is not {e} trailing features plus whole steps of {featuresPerStep}.",
                nameof(featureColumn));
        return new InputLayout(TensorShape.Sequence((vector.Size - e) / featuresPerStep, featuresPerStep), e);
    }

    public NeuralNetwork Create(InputLayout layout, int outputs, PredictionTask task, int seed)
    {
        LayerStack stack = Layers(_options, outputs);
        TrainingMemory.Check(layout, stack, _options, _options.Layers is null ? nameof(LstmOptions.HiddenSize) : nameof(LstmOptions.Layers));
        var network = new NeuralNetwork(layout, stack);
        network.Initialize((ulong)seed);
        return network;
    }

    /// <summary>The options' layer stack with an output layer of <paramref name="outputs"/>.</summary>
    public static LayerStack Layers(LstmOptions options, int outputs)
    {
        if (options.Layers is { } custom)
        {
            if (options.TrailingFeatures > 0 && !custom.OfType<AppendTrailingFeaturesSpec>().Any())
                throw new ArgumentException(
                    $"TrailingFeatures is {options.TrailingFeatures} but Layers has no AppendTrailingFeaturesSpec to say where they join the network.",
                    nameof(LstmOptions.Layers));
            return new LayerStack([.. custom, new DenseSpec(outputs)]);
        }
        RecurrentKind cell = options.Cell;
        return RecurrentStack.Build((units, bidirectional, sequences) => cell.Spec(units, bidirectional, sequences), options.LayerCount, options.HiddenSize, options.Bidirectional, options.Dropout,
            options.TrailingFeatures, options.DenseUnits, outputs, everyStep: false);
    }

    public Action<TrainingBatch>? CreateAugmentation(InputLayout layout, int seed) => null;

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
}
