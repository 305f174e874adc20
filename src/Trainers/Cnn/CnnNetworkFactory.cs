using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.Extensions.Trainers.Data;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Cnn;

/// <summary>Builds CNNs for the trainers: the input shape from the options or the image column's dimensions.</summary>
internal sealed class CnnNetworkFactory : INetworkFactory
{
    private readonly CnnOptions _options;
    private TensorShape _shape;

    public CnnNetworkFactory(CnnOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    public NetworkTrainingOptions Options => _options;

    public bool AcceptsVariableLength => false;

    public InputLayout ResolveLayout(DataViewSchema.Column featureColumn, IDataView data)
    {
        if (featureColumn.Type is not VectorDataViewType { ItemType: NumberDataViewType } vector
            || vector.ItemType != NumberDataViewType.Single || !vector.IsKnownSize)
            throw new ArgumentOutOfRangeException(nameof(featureColumn), featureColumn.Type,
                $"Feature column '{featureColumn.Name}' must be a known-size vector of Single; it is {featureColumn.Type}.");
        if (_options.ImageChannels > 0)
        {
            _shape = new TensorShape(_options.ImageChannels, _options.ImageHeight, _options.ImageWidth);
        }
        else if (vector.Dimensions.Length == 3)
        {
            _shape = new TensorShape(vector.Dimensions[0], vector.Dimensions[1], vector.Dimensions[2]);
        }
        else
        {
            throw new ArgumentException(
                $"Feature column '{featureColumn.Name}' is a flat vector of {vector.Size}; set ImageChannels, ImageHeight and " +
                "ImageWidth in the CNN options, or produce the column with ExtractPixels, which records (channels, height, width).",
                nameof(featureColumn));
        }
        if (_shape.Size != vector.Size)
            throw new ArgumentException(
                $"Feature column '{featureColumn.Name}' has {vector.Size} values but the input shape {_shape} needs {_shape.Size}.",
                nameof(featureColumn));
        return new InputLayout(_shape);
    }

    public NeuralNetwork Create(InputLayout layout, int outputs, PredictionTask task, int seed)
    {
        LayerStack body = _options.Layers ?? CnnOptions.DefaultLayers;
        var stack = new LayerStack([.. body, new DenseSpec(outputs)]);
        TrainingMemory.Check(layout, stack, _options, nameof(CnnOptions.Layers));
        var network = new NeuralNetwork(layout, stack);
        network.Initialize((ulong)seed);
        return network;
    }

    public Action<TrainingBatch>? CreateAugmentation(InputLayout layout, int seed)
    {
        if (_options.RandomShiftPixels == 0)
            return null;
        if (_options.RandomShiftPixels >= Math.Min(_shape.Height, _shape.Width))
            throw new ArgumentException(
                $"Option RandomShiftPixels is {_options.RandomShiftPixels}; the images are {_shape.Height}x{_shape.Width}, so expected less than {Math.Min(_shape.Height, _shape.Width)} (a few pixels is usual).",
                nameof(CnnOptions.RandomShiftPixels));
        var shift = new RandomShift(_shape, _options.RandomShiftPixels, (ulong)seed + 2);
        return shift.Apply;
    }
}
