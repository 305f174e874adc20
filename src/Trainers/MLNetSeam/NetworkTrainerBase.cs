using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;
using MLNet.Extensions.Kernels.Threading;
using MLNet.Extensions.Trainers.Data;
using MLNet.Extensions.Trainers.Models;
using MLNet.Extensions.Trainers.Network;
using MLNet.Extensions.Transforms.MLNetSeam;

namespace MLNet.Extensions.Trainers.Training;

/// <summary>
/// The ML.NET side shared by every network trainer: schema checks, reading the data view in shuffled mini-batches,
/// validation (a given view or a held-out fraction), and turning the trained network into a prediction transformer.
/// </summary>
/// <typeparam name="TTransformer">The prediction transformer of the task.</typeparam>
/// <typeparam name="TModel">The model parameters of the task.</typeparam>
public abstract class NetworkTrainerBase<TTransformer, TModel> : TrainerEstimatorBase<TTransformer, TModel>, IEstimator<TTransformer>,
    IResumableNetworkTrainer
    where TTransformer : ISingleFeaturePredictionTransformer<TModel>
    where TModel : class
{
    private readonly INetworkFactory _factory;
    private readonly PredictionTask _task;
    private readonly Action<TrainingProgress>? _progress;
    private readonly IHostEnvironment _env;

    private protected NetworkTrainerBase(IHostEnvironment env, string name, INetworkFactory factory, PredictionTask task,
        SchemaShape.Column label, Action<TrainingProgress>? progress)
        : base(Contracts.CheckRef(env, nameof(env)).Register(name), FeatureShape(factory), label)
    {
        factory.Options.Validate();
        if (task == PredictionTask.Regression && (factory.Options.ClassWeights is not null || factory.Options.BalanceClasses))
            throw new ArgumentException(
                "Options ClassWeights and BalanceClasses apply to classification; a regression trainer weighs rows with ExampleWeightColumnName.",
                factory.Options.ClassWeights is not null ? nameof(NetworkTrainingOptions.ClassWeights) : nameof(NetworkTrainingOptions.BalanceClasses));
        _env = env;
        _factory = factory;
        _task = task;
        _progress = progress;
    }

    /// <summary>The options this trainer was built with.</summary>
    public NetworkTrainingOptions Options => _factory.Options;

    /// <summary>Networks need no normalization (they learn scales), stream the data themselves, and can use validation data.</summary>
    public override TrainerInfo Info { get; } = new(normalization: false, caching: false, supportValid: true);

    /// <summary>Trains with a separate validation set, used for the progress metrics, early stopping and best-weight restore.</summary>
    public TTransformer Fit(IDataView trainData, IDataView validationData)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        ArgumentNullException.ThrowIfNull(validationData);
        CheckColumns(SchemaShape.Create(trainData.Schema));
        CheckColumns(SchemaShape.Create(validationData.Schema), requireWeight: false);
        return TrainTransformer(trainData, validationData);
    }

    /// <summary>Trains on <paramref name="input"/>, checking the label and feature columns with our messages first.</summary>
    public new TTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckColumns(SchemaShape.Create(input.Schema));
        return base.Fit(input);
    }

    /// <summary>The output schema; the label and feature columns are checked with our messages (which name the fix) first.</summary>
    public new SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        CheckColumns(inputSchema);
        return base.GetOutputSchema(inputSchema);
    }

    /// <summary>What is wrong with <paramref name="label"/> for this task, with the fix, or null when it fits.</summary>
    private protected abstract string? LabelProblem(SchemaShape.Column label);

    private void CheckColumns(SchemaShape schema, bool requireWeight = true)
    {
        NetworkTrainingOptions options = _factory.Options;
        if (options.ExampleWeightColumnName is string weightName && (requireWeight || schema.TryFindColumn(weightName, out _)))
        {
            if (!schema.TryFindColumn(weightName, out var weight))
                throw new ArgumentOutOfRangeException(nameof(schema), weightName,
                    $"The example weight column '{weightName}' is not in the data; columns are: {string.Join(", ", schema.Select(c => $"'{c.Name}'"))}. Set ExampleWeightColumnName.");
            if (weight.Kind != SchemaShape.Column.VectorKind.Scalar || weight.IsKey || !weight.ItemType.Equals(NumberDataViewType.Single))
                throw new ArgumentOutOfRangeException(nameof(schema), weightName,
                    $"The example weight column '{weightName}' must be a Single scalar; it is {Describe(weight)}. Convert it with ConvertType(..., DataKind.Single).");
        }
        if (!schema.TryFindColumn(options.FeatureColumnName, out var feature))
            throw new ArgumentOutOfRangeException(nameof(schema), options.FeatureColumnName,
                $"The feature column '{options.FeatureColumnName}' is not in the data; columns are: {string.Join(", ", schema.Select(c => $"'{c.Name}'"))}. " +
                "Set FeatureColumnName, or build the column with Concatenate.");
        if (feature.Kind == SchemaShape.Column.VectorKind.Scalar || feature.IsKey || !feature.ItemType.Equals(NumberDataViewType.Single))
            throw new ArgumentOutOfRangeException(nameof(schema), options.FeatureColumnName,
                $"The feature column '{options.FeatureColumnName}' must be a vector of Single; it is {Describe(feature)}. " +
                "Convert it with ConvertType (to Single) and Concatenate (to a vector).");
        if (!schema.TryFindColumn(options.LabelColumnName, out var label))
            throw new ArgumentOutOfRangeException(nameof(schema), options.LabelColumnName,
                $"The label column '{options.LabelColumnName}' is not in the data; columns are: {string.Join(", ", schema.Select(c => $"'{c.Name}'"))}. Set LabelColumnName.");
        if (LabelProblem(label) is string problem)
            throw new ArgumentOutOfRangeException(nameof(schema), options.LabelColumnName, $"Label column '{options.LabelColumnName}' {problem}");
    }

    /// <summary>A schema column's type the way our messages print it.</summary>
    private protected static string Describe(SchemaShape.Column column) =>
        $"{(column.IsKey ? "Key<" + column.ItemType + ">" : column.ItemType.ToString())}{column.Kind switch
        {
            SchemaShape.Column.VectorKind.Vector => " vector",
            SchemaShape.Column.VectorKind.VariableVector => " variable-length vector",
            _ => "",
        }}";

    private protected abstract TModel CreateModel(NetworkPredictor predictor);

    /// <summary>Network outputs for the task: the class count for multiclass (from the label's key type), else 1.</summary>
    private protected virtual int OutputCount(DataViewSchema.Column label) => 1;

    /// <inheritdoc />

    protected override TModel TrainModelCore(TrainContext context)
    {
        // The whole Fit, workspaces included, runs on this call's thread count; the process default is left alone.
        using KernelThreadScope threads = TrainingLoop.UseThreads(_factory.Options);
        using IChannel channel = Host.Start("Training");
        Prepared prepared = Prepare(context.TrainingSet.Data, context.ValidationSet?.Data, splitValidation: true, message => channel.Info(message));
        prepared.Predictor.History = prepared.Loop.Run(prepared.Trainable, prepared.Epoch, prepared.Validation);
        return CreateModel(prepared.Predictor);
    }

    /// <summary>
    /// Starts a fit that later calls continue: each <see cref="NetworkTrainingSession{TTransformer}.Train"/> runs more epochs
    /// from the weights and optimizer state the previous call left, exactly as one longer fit would (successive halving
    /// builds on this). Sessions hold no validation data, so they neither stop early nor restore best weights.
    /// </summary>
    public NetworkTrainingSession<TTransformer> StartSession(IDataView trainData)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        using KernelThreadScope threads = TrainingLoop.UseThreads(_factory.Options);
        IHost host = Host;
        Prepared prepared = Prepare(trainData, validation: null, splitValidation: false, message => LogInfo(host, message));
        var optimizer = new NetworkOptimizer(Options, prepared.Trainable.Buffer.Values.Length, prepared.Trainable.ParameterBlocks);
        return new NetworkTrainingSession<TTransformer>(prepared.Trainable, optimizer, prepared.Loop, prepared.Epoch,
            trained => MakeTransformer(CreateModel(prepared.Predictor.WithNetworkOf(trained)), trainData.Schema), prepared.Predictor.Network);
    }

    INetworkTrainingSession IResumableNetworkTrainer.StartSession(IDataView trainData) => StartSession(trainData);

    private sealed record Prepared(NetworkPredictor Predictor, NetworkTrainable Trainable, TrainingLoop Loop,
        Func<int, IEnumerable<TrainingBatch>> Epoch, Func<IEnumerable<TrainingBatch>>? Validation);

    private Prepared Prepare(IDataView train, IDataView? validation, bool splitValidation, Action<string> log)
    {
        NetworkTrainingOptions options = _factory.Options;
        DataViewSchema.Column featureColumn = ColumnChecks.Find(train.Schema, options.FeatureColumnName, "feature");
        DataViewSchema.Column labelColumn = ColumnChecks.Find(train.Schema, options.LabelColumnName, "label");
        InputLayout layout = _factory.ResolveLayout(featureColumn, train);
        int outputs = OutputCount(labelColumn);
        // One unshuffled pass first, so a bad row is reported by its real position and an empty view fails before any work;
        // when the data fits InMemoryDataLimitBytes the same pass keeps the checked rows, and epochs then shuffle indices.
        TargetMoments? moments = _task == PredictionTask.Regression && options.StandardizeTargets ? new TargetMoments(outputs) : null;
        bool multiclass = _task == PredictionTask.MulticlassClassification;
        int classes = multiclass ? outputs : 2;
        int targetSize = multiclass ? 1 : outputs;
        long[]? counts = options.BalanceClasses ? new long[classes] : null;
        string? weightColumn = options.ExampleWeightColumnName;
        bool weighted = weightColumn is not null || options.ClassWeights is not null || options.BalanceClasses;
        long limit = options.InMemoryDataLimitBytes;
        long rowBytes = InMemoryRows.BytesPerRow(layout.Size, targetSize, multiclass, weighted);
        long? knownRows = train.GetRowCount();
        InMemoryRows? memory = limit > 0 && !(knownRows * rowBytes > limit) ? new InMemoryRows(layout.Size, targetSize, multiclass, weighted, limit, knownRows) : null;
        // With a split, the moments and counts are those of the training part, taken once the split is known.
        bool split = splitValidation && validation is null && options.ValidationFraction > 0;
        long rows = Validate(train, options, layout, outputs, "training", weightColumn, batch =>
        {
            if (!split)
            {
                moments?.Add(batch);
                if (counts is not null)
                    CountClasses(batch, counts);
            }
            if (memory is not null && !memory.TryAppend(batch))
                memory = null; // Past the limit (the row count was unknown): stream instead, freeing what was kept.
        });
        int seed = ResolveSeed(options);
        var mlContext = new MLContext(seed);
        long trainRows = rows;
        int[] trainIndices = [], heldOutIndices = [];
        if (memory is not null)
        {
            int[] all = new int[memory.Count];
            for (int i = 0; i < all.Length; i++)
                all[i] = i;
            trainIndices = all;
            if (split)
            {
                // A seeded permutation (stream -1, apart from the epochs') chooses the held-out rows; both parts keep data order.
                RowShuffle.Shuffle(all, seed, -1);
                int kept = (int)Math.Round(all.Length * (1 - (double)options.ValidationFraction));
                trainIndices = all[..kept];
                heldOutIndices = all[kept..];
                Array.Sort(trainIndices);
                Array.Sort(heldOutIndices);
                trainRows = kept;
                (moments, counts) = Observe(new InMemoryBatches(memory, trainIndices, new int[kept],
                    new TrainingBatch(256, layout.Size, targetSize, weighted), shuffle: null), moments, counts, outputs, classes);
            }
        }
        else if (split)
        {
            var parts = mlContext.Data.TrainTestSplit(train, options.ValidationFraction, seed: seed);
            train = parts.TrainSet;
            validation = parts.TestSet;
            trainRows = (long)Math.Round(rows * (1 - options.ValidationFraction));
            if (moments is not null || counts is not null)
            {
                // One more pass: the target moments and balanced class counts are those of the training rows only.
                using var reader = new DataViewBatchReader(train, options.FeatureColumnName, layout, options.LabelColumnName, _task, outputs,
                    weightColumn: weightColumn);
                (moments, counts) = Observe(Batches(reader, new TrainingBatch(256, layout.Size, targetSize, weightColumn is not null)),
                    moments, counts, outputs, classes);
                trainRows = reader.RowsRead;
            }
        }
        TargetScaling? scaling = moments?.ToScaling();
        float[]? classWeights = ClassWeights(options, classes, counts, counts?.Sum() ?? trainRows);
        string? validationWeightColumn = weightColumn is not null && validation?.Schema.GetColumnOrNull(weightColumn) is not null ? weightColumn : null;
        InMemoryRows? validationMemory = null;
        if (validation is not null && !split)
        {
            long left = limit - (memory?.Bytes ?? 0);
            long? validationRows = validation.GetRowCount();
            validationMemory = left > 0 && !(validationRows * rowBytes > left)
                ? new InMemoryRows(layout.Size, targetSize, multiclass, weighted, left, validationRows) : null;
            Validate(validation, options, layout, outputs, "validation", validationWeightColumn, batch =>
            {
                if (validationMemory is not null && !validationMemory.TryAppend(batch))
                    validationMemory = null;
            });
        }
        foreach (InMemoryRows? held in (ReadOnlySpan<InMemoryRows?>)[memory, validationMemory])
        {
            if (held is null)
                continue;
            if (scaling is not null)
                held.Standardize(scaling);
            if (classWeights is not null)
                held.ApplyClassWeights(classWeights);
        }
        string dataPath = memory is not null
            ? $"the {memory.Count:N0} rows are held in memory ({memory.Bytes / 1048576.0:F1} MiB, InMemoryDataLimitBytes {limit:N0}) and reshuffled there each epoch"
            : $"the rows are streamed and shuffled through the data view each epoch ({(limit == 0 ? "InMemoryDataLimitBytes is 0" : $"{rows:N0} rows of {rowBytes:N0} bytes exceed InMemoryDataLimitBytes {limit:N0}")})";

        NeuralNetwork network = _factory.Create(layout, outputs, _task, seed);
        var trainable = new NetworkTrainable(network, options.BatchSize, (ulong)seed + 1);
        var predictor = new NetworkPredictor(network)
        {
            FeatureColumnName = options.FeatureColumnName,
            NonFiniteInputsGiveNaN = options.ScoreNonFiniteAsNaN,
            TargetScaling = scaling,
        };
        var batch = new TrainingBatch(options.BatchSize, layout.Size, _task == PredictionTask.MulticlassClassification ? 1 : outputs, weighted);

        // The training view always has the weight column; a given validation view may lack it (its rows then weigh 1).
        IEnumerable<TrainingBatch> Read(IDataView view)
        {
            string? viewWeights = weightColumn is not null && view.Schema.GetColumnOrNull(weightColumn) is not null ? weightColumn : null;
            using var reader = new DataViewBatchReader(view, options.FeatureColumnName, layout, options.LabelColumnName, _task, outputs, scaling,
                viewWeights, classWeights);
            while (reader.Fill(batch))
                yield return batch;
        }

        int[] order = new int[trainIndices.Length];
        IEnumerable<TrainingBatch> Epoch(int epoch) => memory is not null
            ? new InMemoryBatches(memory, trainIndices, order, batch, (seed, epoch))
            : Read(mlContext.Data.ShuffleRows(train, seed: unchecked(seed + epoch), shufflePoolSize: 4096, shuffleSource: true));

        if (Distributed.TrainingWorld.Resolve(options.Distributed).Rank == 0)
        {
            log($"Training {predictor.ParameterCount:N0} parameters on {rows:N0} rows: {string.Join(" | ", predictor.LayerSummary)}");
            log($"Data: {dataPath}.");
        }
        var loop = new TrainingLoop(options, new LossFunction(_task, outputs, scaling?.Scale), log, _progress)
        {
            Augment = _factory.CreateAugmentation(layout, seed),
            DataShape = (rows, layout.Size),
            SamplesPerEpochHint = trainRows,
            CheckCancelled = CheckCancelled,
        };
        IDataView? validationView = validation;
        Func<IEnumerable<TrainingBatch>>? validate = null;
        if (memory is not null && split)
        {
            int[] heldOutOrder = new int[heldOutIndices.Length];
            validate = () => new InMemoryBatches(memory, heldOutIndices, heldOutOrder, batch, shuffle: null);
        }
        else if (validationMemory is not null)
        {
            int[] validationIndices = Enumerable.Range(0, validationMemory.Count).ToArray(), validationOrder = new int[validationMemory.Count];
            validate = () => new InMemoryBatches(validationMemory, validationIndices, validationOrder, batch, shuffle: null);
        }
        else if (validationView is not null)
        {
            validate = () => Read(validationView);
        }
        return new Prepared(predictor, trainable, loop, Epoch, validate);
    }

    /// <summary>
    /// The seed of one Fit: the options' when set, else drawn from the host's generator, which ML.NET seeds from the
    /// MLContext (as its own trainers draw theirs), so the context's seed decides the network.
    /// </summary>
    internal int ResolveSeed(NetworkTrainingOptions options) => options.Seed ?? Host.Rand.Next();

    private static void LogInfo(IHost host, string message)
    {
        using IChannel channel = host.Start("Training");
        channel.Info(message);
    }

    /// <summary>One checking pass over <paramref name="data"/> (weights included); returns its rows and shows each batch to <paramref name="observe"/>.</summary>
    private long Validate(IDataView data, NetworkTrainingOptions options, InputLayout layout, int outputs, string role,
        string? weightColumn, Action<TrainingBatch>? observe = null)
    {
        var batch = new TrainingBatch(256, layout.Size, _task == PredictionTask.MulticlassClassification ? 1 : outputs, weightColumn is not null);
        using var reader = new DataViewBatchReader(data, options.FeatureColumnName, layout, options.LabelColumnName, _task, outputs,
            weightColumn: weightColumn);
        do
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            CheckCancelled();
        }
        while (Fill(reader, batch, observe));
        if (reader.RowsRead == 0)
            throw new InvalidOperationException($"The {role} data has no rows.");
        return reader.RowsRead;
    }

    /// <summary>Target moments and class counts (fresh ones of the same kinds as given) over <paramref name="batches"/>.</summary>
    private (TargetMoments?, long[]?) Observe(IEnumerable<TrainingBatch> batches, TargetMoments? moments, long[]? counts, int outputs, int classes)
    {
        TargetMoments? fresh = moments is null ? null : new TargetMoments(outputs);
        long[]? freshCounts = counts is null ? null : new long[classes];
        foreach (TrainingBatch batch in batches)
        {
            fresh?.Add(batch);
            if (freshCounts is not null)
                CountClasses(batch, freshCounts);
        }
        return (fresh, freshCounts);
    }

    private static IEnumerable<TrainingBatch> Batches(DataViewBatchReader reader, TrainingBatch batch)
    {
        while (reader.Fill(batch))
            yield return batch;
    }

    private static bool Fill(DataViewBatchReader reader, TrainingBatch batch, Action<TrainingBatch>? observe)
    {
        bool filled = reader.Fill(batch);
        if (filled)
            observe?.Invoke(batch);
        return filled;
    }

    private void CountClasses(TrainingBatch batch, long[] counts)
    {
        for (int i = 0; i < batch.Count; i++)
            counts[_task == PredictionTask.MulticlassClassification ? batch.ClassLabels[i] : batch.Targets[i] >= 0.5f ? 1 : 0]++;
    }

    /// <summary>
    /// The per-class loss weights of a Fit: the options' explicit ones (checked against the class count), the balanced ones
    /// rows / (classes * count) from <paramref name="counts"/> (absent classes get 0, having no rows to weigh), or null.
    /// </summary>
    internal static float[]? ClassWeights(NetworkTrainingOptions options, int classes, long[]? counts, long rows)
    {
        if (options.ClassWeights is { } given)
        {
            if (given.Count != classes)
                throw new ArgumentException(
                    $"Option ClassWeights has {given.Count} weights but the label has {classes} classes; give one weight per class in key order.",
                    nameof(NetworkTrainingOptions.ClassWeights));
            return [.. given];
        }
        if (counts is null)
            return null;
        var weights = new float[classes];
        for (int c = 0; c < classes; c++)
            weights[c] = counts[c] == 0 ? 0f : (float)(rows / ((double)classes * counts[c]));
        return weights;
    }

    /// <summary>ML.NET's cancellation: our host is cancelled with its context, and the context itself for hosts made after.</summary>
    private void CheckCancelled()
    {
        HostCancellation.ThrowIfCancelled(Host);
        HostCancellation.ThrowIfCancelled(_env);
    }

    private static SchemaShape.Column FeatureShape(INetworkFactory factory) => new(
        factory.Options.FeatureColumnName,
        factory.AcceptsVariableLength ? SchemaShape.Column.VectorKind.VariableVector : SchemaShape.Column.VectorKind.Vector,
        NumberDataViewType.Single, isKey: false);

    /// <summary>The score column's annotations that ML.NET's evaluators expect from a trainer.</summary>
    private protected static SchemaShape TrainerOutput(bool isNormalized = false) =>
        new(AnnotationUtils.GetTrainerOutputAnnotation(isNormalized));
}
