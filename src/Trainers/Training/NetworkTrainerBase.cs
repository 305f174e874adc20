using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using MLNet.Extensions.Kernels.Threading;
using MLNet.Extensions.Trainers.Data;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Network;

namespace MLNet.Extensions.Trainers.Training;

/// <summary>
/// The ML.NET side shared by every network trainer: schema checks, reading the data view in shuffled mini-batches,
/// validation (a given view or a held-out fraction), and turning the trained network into a prediction transformer.
/// </summary>
/// <typeparam name="TTransformer">The prediction transformer of the task.</typeparam>
/// <typeparam name="TModel">The model parameters of the task.</typeparam>
public abstract class NetworkTrainerBase<TTransformer, TModel> : TrainerEstimatorBase<TTransformer, TModel>
    where TTransformer : ISingleFeaturePredictionTransformer<TModel>
    where TModel : class
{
    private readonly INetworkFactory _factory;
    private readonly PredictionTask _task;
    private readonly Action<TrainingProgress>? _progress;

    private protected NetworkTrainerBase(IHostEnvironment env, string name, INetworkFactory factory, PredictionTask task,
        SchemaShape.Column label, Action<TrainingProgress>? progress)
        : base(Contracts.CheckRef(env, nameof(env)).Register(name), FeatureShape(factory), label)
    {
        factory.Options.Validate();
        _factory = factory;
        _task = task;
        _progress = progress;
    }

    /// <summary>The options this trainer was built with.</summary>
    public NetworkTrainingOptions Options => _factory.Options;

    /// <summary>Networks need no normalization (they learn scales), stream the data themselves, and can use validation data.</summary>
    public override TrainerInfo Info { get; } = new(normalization: false, caching: false, supportValid: true);

    /// <summary>Trains with a separate validation set, used for the progress metrics, early stopping and best-weight restore.</summary>
    public TTransformer Fit(IDataView trainData, IDataView validationData) => TrainTransformer(trainData, validationData);

    private protected abstract TModel CreateModel(NetworkPredictor predictor);

    /// <summary>Network outputs for the task: the class count for multiclass (from the label's key type), else 1.</summary>
    private protected virtual int OutputCount(DataViewSchema.Column label) => 1;

    /// <inheritdoc />

    protected override TModel TrainModelCore(TrainContext context)
    {
        IDataView train = context.TrainingSet.Data;
        IDataView? validation = context.ValidationSet?.Data;
        NetworkTrainingOptions options = _factory.Options;
        // The whole Fit, workspaces included, runs on this call's thread count; the process default is left alone.
        using KernelThreadScope threads = TrainingLoop.UseThreads(options);
        DataViewSchema.Column featureColumn = ColumnChecks.Find(train.Schema, options.FeatureColumnName, "feature");
        DataViewSchema.Column labelColumn = ColumnChecks.Find(train.Schema, options.LabelColumnName, "label");
        InputLayout layout = _factory.ResolveLayout(featureColumn, train);
        int outputs = OutputCount(labelColumn);
        // One unshuffled pass first, so a bad row is reported by its real position and an empty view fails before any work.
        long rows = Validate(train, options, layout, outputs, "training");
        if (validation is not null)
            Validate(validation, options, layout, outputs, "validation");

        var mlContext = new MLContext(options.Seed);
        if (validation is null && options.ValidationFraction > 0)
        {
            var split = mlContext.Data.TrainTestSplit(train, options.ValidationFraction, seed: options.Seed);
            train = split.TrainSet;
            validation = split.TestSet;
        }

        NeuralNetwork network = _factory.Create(layout, outputs, _task);
        var trainable = new NetworkTrainable(network, options.BatchSize, (ulong)options.Seed + 1);
        var predictor = new NetworkPredictor(network);
        var batch = new TrainingBatch(options.BatchSize, layout.Size, _task == PredictionTask.MulticlassClassification ? 1 : outputs);

        IEnumerable<TrainingBatch> Read(IDataView view)
        {
            using var reader = new DataViewBatchReader(view, options.FeatureColumnName, layout, options.LabelColumnName, _task, outputs);
            while (reader.Fill(batch))
                yield return batch;
        }

        IEnumerable<TrainingBatch> Epoch(int epoch) =>
            Read(mlContext.Data.ShuffleRows(train, seed: options.Seed + epoch, shufflePoolSize: 4096, shuffleSource: true));

        using IChannel channel = Host.Start("Training");
        channel.Info($"Training {predictor.ParameterCount:N0} parameters on {rows:N0} rows: {string.Join(" | ", predictor.LayerSummary)}");
        var loop = new TrainingLoop(options, new LossFunction(_task, outputs), message => channel.Info(message), _progress)
        {
            Augment = _factory.CreateAugmentation(layout),
        };
        predictor.History = loop.Run(trainable, Epoch, validation is null ? null : () => Read(validation));
        return CreateModel(predictor);
    }

    private long Validate(IDataView data, NetworkTrainingOptions options, InputLayout layout, int outputs, string role)
    {
        var batch = new TrainingBatch(256, layout.Size, _task == PredictionTask.MulticlassClassification ? 1 : outputs);
        using var reader = new DataViewBatchReader(data, options.FeatureColumnName, layout, options.LabelColumnName, _task, outputs);
        while (reader.Fill(batch))
        {
        }
        if (reader.RowsRead == 0)
            throw new InvalidOperationException($"The {role} data has no rows.");
        return reader.RowsRead;
    }

    private static SchemaShape.Column FeatureShape(INetworkFactory factory) => new(
        factory.Options.FeatureColumnName,
        factory.AcceptsVariableLength ? SchemaShape.Column.VectorKind.VariableVector : SchemaShape.Column.VectorKind.Vector,
        NumberDataViewType.Single, isKey: false);

    /// <summary>The score column's annotations that ML.NET's evaluators expect from a trainer.</summary>
    private protected static SchemaShape TrainerOutput(bool isNormalized = false) =>
        new(AnnotationUtils.GetTrainerOutputAnnotation(isNormalized));
}
