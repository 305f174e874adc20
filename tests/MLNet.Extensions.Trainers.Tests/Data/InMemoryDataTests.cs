using Microsoft.ML;
using MLNet.Extensions.Trainers.Cnn;
using MLNet.Extensions.Trainers.Data;
using MLNet.Extensions.Trainers.Tests.Trust;
using MLNet.Extensions.Trainers.Training;

namespace MLNet.Extensions.Trainers.Tests.Data;

/// <summary>
/// Training data held in memory (InMemoryDataLimitBytes): each epoch is a seeded permutation of every row, ranks copy
/// exactly their slice of each global batch, the limit switches to streaming, and bad rows and options are still reported.
/// </summary>
public class InMemoryDataTests
{
    private static (InMemoryRows Rows, int[] Source) Numbered(int count)
    {
        var rows = new InMemoryRows(2, 1, multiclass: true, weighted: false, limitBytes: 1 << 20, knownRows: null);
        var batch = new TrainingBatch(7, 2, 1);
        for (int first = 0; first < count; first += batch.Capacity)
        {
            batch.Count = Math.Min(batch.Capacity, count - first);
            for (int i = 0; i < batch.Count; i++)
            {
                batch.Features[2 * i] = first + i;
                batch.ClassLabels[i] = (first + i) % 3;
                batch.Lengths[i] = 2;
            }
            Assert.True(rows.TryAppend(batch));
        }
        return (rows, Enumerable.Range(0, count).ToArray());
    }

    private static List<int> Ids(IEnumerable<TrainingBatch> batches) =>
        batches.SelectMany(b => Enumerable.Range(0, b.Count).Select(i => (int)b.Features[2 * i])).ToList();

    [Fact]
    public void EachEpochIsASeededPermutationOfEveryRow()
    {
        (InMemoryRows rows, int[] source) = Numbered(101);
        var batch = new TrainingBatch(10, 2, 1);
        List<int> Epoch(int seed, int epoch) => Ids(new InMemoryBatches(rows, source, new int[101], batch, (seed, epoch)));
        List<int> first = Epoch(4, 0);
        Assert.Equal(source, first.Order());
        Assert.Equal(first, Epoch(4, 0));
        Assert.NotEqual(first, Epoch(4, 1));
        Assert.NotEqual(first, Epoch(5, 0));
        Assert.NotEqual(source, first);
        Assert.Equal(source, Ids(new InMemoryBatches(rows, source, new int[101], batch, null)));
    }

    [Fact]
    public void RanksCopyExactlyTheirSliceOfEachGlobalBatch()
    {
        (InMemoryRows rows, int[] source) = Numbered(45);
        var batch = new TrainingBatch(8, 2, 1);
        var batches = new InMemoryBatches(rows, source, new int[45], batch, (1, 2));
        List<List<int>> whole = batches.Select(b => Ids([b])).ToList();
        List<List<int>>[] ranks = [.. Enumerable.Range(0, 3).Select(r => batches.Slices(r, 3).Select(b => Ids([b])).ToList())];
        Assert.Equal(6, whole.Count);
        for (int b = 0; b < whole.Count; b++)
            Assert.Equal(whole[b], ranks.SelectMany(r => r[b]));
        // The short last batch of 5 rows splits 1, 2, 2 (total * rank / size), as the streaming shard does.
        Assert.Equal([1, 2, 2], ranks.Select(r => r[^1].Count));
    }

    [Fact]
    public void ALimitBelowTheDataStreamsAndBothPathsTrain()
    {
        foreach ((long limit, string expected) in new[] { (1L << 30, "held in memory"), (100L, "streamed"), (0L, "streamed") })
        {
            var ml = new MLContext(seed: 1);
            var messages = new List<string>();
            ml.Log += (_, e) =>
            {
                lock (messages)
                    messages.Add(e.Message);
            };
            var trainer = ml.MulticlassClassification.Trainers.Cnn(TinyModels.CnnOptions() with { InMemoryDataLimitBytes = limit });
            var model = trainer.Fit(TinyModels.ImageData(ml, 60, 1));
            Assert.NotNull(model);
            lock (messages)
                Assert.Contains(messages, m => m.Contains("Data: the") && m.Contains(expected));
        }
    }

    [Theory]
    [InlineData(1L << 30)]
    [InlineData(0L)]
    public void ABadRowIsReportedByItsRealPosition(long limit)
    {
        var ml = new MLContext(seed: 1);
        TinyImage[] images = TinyModels.Images(60, 1);
        images[37].Pixels[5] = float.NaN;
        var trainer = ml.MulticlassClassification.Trainers.Cnn(TinyModels.CnnOptions() with { InMemoryDataLimitBytes = limit, ValidationFraction = 0.2f });
        var e = Assert.Throws<InvalidOperationException>(() => trainer.Fit(ml.Data.LoadFromEnumerable(images)));
        Assert.Contains("at row 37, slot 5", e.Message);
    }

    [Fact]
    public void ANegativeLimitNamesTheOption()
    {
        var ml = new MLContext(seed: 1);
        var e = Assert.Throws<ArgumentException>(() =>
            ml.MulticlassClassification.Trainers.Cnn(TinyModels.CnnOptions() with { InMemoryDataLimitBytes = -1 }));
        Assert.Equal(nameof(NetworkTrainingOptions.InMemoryDataLimitBytes), e.ParamName);
        Assert.Contains("Option InMemoryDataLimitBytes is -1", e.Message);
    }
}
