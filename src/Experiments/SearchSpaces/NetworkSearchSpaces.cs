using MLNet.Extensions.Kernels.Activations;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Forecasting;
using MLNet.Extensions.Trainers.Lstm;
using MLNet.Extensions.Trainers.Network.Specs;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Experiments;

/// <summary>
/// Default search spaces of our trainers: the options' attribute-declared parameters plus architecture choices as values,
/// and the functions that turn a configuration into the trainer's options.
/// </summary>
public static class NetworkSearchSpaces
{
    /// <summary>Convolution blocks (1–3), filters of the first block (doubling per block), kernel size, dense width, plus the training options.</summary>
    public static SearchSpace Cnn() => new SearchSpace()
        .AddInteger("ConvBlocks", 1, 3, init: 2)
        .AddChoice("Filters", 8, 16, 32)
        .AddChoice("KernelSize", 3, 5)
        .AddChoice("DenseUnits", 64, 0, 128)
        .With(SearchSpace.FromOptions<CnnOptions>());

    /// <summary>
    /// <paramref name="template"/> with the configuration applied: the layer stack from ConvBlocks, Filters, KernelSize and
    /// DenseUnits (each block: convolution, batch norm, ReLU, 2x2 max pool), other parameters by property name.
    /// </summary>
    public static CnnOptions CnnOptions(Parameters parameters, CnnOptions template)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CnnOptions options = parameters.ApplyTo(template);
        if (!parameters.Contains("ConvBlocks"))
            return options;
        int blocks = parameters.Get<int>("ConvBlocks");
        int filters = parameters.GetOrDefault("Filters", 16);
        int kernel = parameters.GetOrDefault("KernelSize", 3);
        int dense = parameters.GetOrDefault("DenseUnits", 64);
        var layers = new List<LayerSpec>();
        for (int b = 0; b < blocks; b++)
            layers.AddRange([new Conv2dSpec(filters << b, kernel, Padding: kernel / 2), new BatchNormSpec(),
                new ActivationSpec(ActivationKind.Relu), new PoolingSpec(PoolingKind.Max, 2, 2)]);
        layers.Add(new FlattenSpec());
        if (dense > 0)
            layers.AddRange([new DenseSpec(dense), new ActivationSpec(ActivationKind.Relu)]);
        return options with { Layers = new LayerStack(layers.ToArray()) };
    }

    /// <summary>Recurrent kind (LSTM/GRU), layers, hidden size, bidirectional, dropout, plus the training options.</summary>
    public static SearchSpace Recurrent() => SearchSpace.FromOptions<LstmOptions>();

    /// <summary><paramref name="template"/> with the configuration applied by property name.</summary>
    public static LstmOptions RecurrentOptions(Parameters parameters, LstmOptions template) => parameters.ApplyTo(template);

    /// <summary>Window size, differencing, hidden size and layers of the forecaster, plus its learning rate and batch size.</summary>
    public static SearchSpace Forecaster() => SearchSpace.FromOptions<LstmForecastingOptions>().Without(nameof(NetworkTrainingOptions.Optimizer));

    /// <summary><paramref name="template"/> with the configuration applied by property name.</summary>
    public static LstmForecastingOptions ForecasterOptions(Parameters parameters, LstmForecastingOptions template) => parameters.ApplyTo(template);
}
