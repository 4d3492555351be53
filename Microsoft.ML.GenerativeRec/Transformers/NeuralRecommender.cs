using Microsoft.ML.GenerativeRec.Data;
using Microsoft.ML.GenerativeRec.Jagged;
using Microsoft.ML.GenerativeRec.Modeling;
using Microsoft.ML.GenerativeRec.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.GenerativeRec.Transformers;

/// <summary>
/// A trained encoder with everything needed to serve it: the item vocabulary, the column names, the number of
/// recommendations and a popularity fallback. Owns the TorchSharp module.
/// </summary>
internal sealed class NeuralRecommender : IDisposable
{
    private const int FormatVersion = 1;
    private const string WeightsStreamName = "TorchWeights";

    private readonly nn.Module _module;
    private readonly int[] _fallbackRanking;     // item indices by training popularity, for histories with no known item
    private readonly object _normalizedItemsLock = new();
    private Tensor? _normalizedItems;

    public NeuralRecommender(EncoderKind kind, EncoderShape shape, nn.Module module, ItemVocabulary vocabulary, int[] fallbackRanking,
        ServingSettings settings, TrainingHistory history, Device device)
    {
        History = history;
        Kind = kind;
        Shape = shape;
        _module = module;
        Encoder = (ISequenceEncoder)module;
        Vocabulary = vocabulary;
        _fallbackRanking = fallbackRanking;
        Settings = settings;
        Device = device;
        _module.eval();
    }

    public EncoderKind Kind { get; }

    public EncoderShape Shape { get; }

    public ISequenceEncoder Encoder { get; }

    public nn.Module Module => _module;

    public ItemVocabulary Vocabulary { get; }

    public ServingSettings Settings { get; }

    public TrainingHistory History { get; }

    public Device Device { get; }

    /// <summary>True when the model reads history times and the request time (HSTU's time bias).</summary>
    public bool UsesTimestamps => Kind == EncoderKind.Hstu && Shape.UseTimeBias;

    public static nn.Module CreateModule(EncoderKind kind, EncoderShape shape)
    {
        using var pause = FinalizerPause.Begin();       // initialisation passes many temporary scalars too
        return kind switch
        {
            EncoderKind.Hstu => new HstuEncoder(shape),
            EncoderKind.SasRec => new SasRecEncoder(shape),
            _ => throw new InvalidDataException($"Unknown encoder kind {(byte)kind}."),
        };
    }

    /// <summary>The top-K item indices and cosine scores for one history of item indices (0 = unknown, skipped).</summary>
    public Recommendation Recommend(ServingRequest request) => RecommendBatch([request])[0];

    /// <summary>
    /// Recommends for many histories with one encoder call: top-K item indices by cosine score, never an item of the
    /// history window; a history without known items gets the popularity fallback.
    /// </summary>
    public Recommendation[] RecommendBatch(IReadOnlyList<ServingRequest> requests)
    {
        int k = Math.Min(Settings.NumberOfRecommendations, Vocabulary.Count);
        var results = new Recommendation[requests.Count];
        var items = new List<long>();
        var times = UsesTimestamps ? new List<long>() : null;
        var offsets = new List<int> { 0 };
        var encoded = new List<int>();                    // which requests go through the encoder
        for (int r = 0; r < requests.Count; r++)
        {
            var request = requests[r];
            int start = items.Count;
            for (int i = 0; i < request.History.Count; i++)
            {
                if (request.History[i] != ItemVocabulary.Padding)
                {
                    items.Add(request.History[i]);
                    times?.Add(request.HistoryTimes![i]);
                }
            }

            if (items.Count == start)
            {
                // Documented fallback: the most popular training items, with score 0.
                results[r] = new Recommendation(_fallbackRanking[..k], new float[k], IsFallback: true);
                continue;
            }

            items.Add(ItemVocabulary.Padding);            // the (unknown) next item closes the row
            times?.Add(request.RequestTime);
            offsets.Add(items.Count);
            encoded.Add(r);
        }

        if (encoded.Count == 0)
        {
            return results;
        }

        var arena = new SequenceArena([.. items], times?.ToArray(), [.. offsets]);
        using var pause = FinalizerPause.Begin();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var batch = arena.BuildBatch([.. Enumerable.Range(0, encoded.Count)], (int)Shape.MaxSequenceLength, Device);
        var outputs = Encoder.Encode(batch.Ids, batch.Lengths, batch.Timestamps);          // [B, n, D]
        var users = SequenceTensors.UserEmbeddings(outputs, batch.Lengths);                 // [B, D]
        var scores = users.matmul(NormalizedItems().t());                                   // [B, V]
        scores.index_fill_(1, tensor(new long[] { ItemVocabulary.Padding }, device: Device), float.NegativeInfinity);
        if (batch.Ids.shape[1] > 0)
        {
            scores.scatter_(1, batch.Ids, full(batch.Ids.shape, float.NegativeInfinity, device: Device));
        }

        var (values, indices) = scores.topk(k, dim: 1);                                     // [B, k]
        float[] topScores = values.cpu().data<float>().ToArray();
        long[] topItems = indices.cpu().data<long>().ToArray();
        for (int b = 0; b < encoded.Count; b++)
        {
            // Excluded items score −∞ and sort last; drop them when fewer than K items remain.
            int count = 0;
            while (count < k && !float.IsNegativeInfinity(topScores[(b * k) + count]))
            {
                count++;
            }

            var rowItems = new int[count];
            for (int i = 0; i < count; i++)
            {
                rowItems[i] = (int)topItems[(b * k) + i];
            }

            results[encoded[b]] = new Recommendation(rowItems, topScores.AsSpan(b * k, count).ToArray(), IsFallback: false);
        }

        return results;
    }

    /// <summary>The L2-normalised item table [V, D], computed once: a fitted model's weights never change.</summary>
    private Tensor NormalizedItems()
    {
        lock (_normalizedItemsLock)
        {
            if (_normalizedItems is null)
            {
                using var noGrad = no_grad();
                _normalizedItems = L2Norm.Normalize(Encoder.ItemEmbeddings).DetachFromDisposeScope();
            }

            return _normalizedItems;
        }
    }

    public void Save(ModelSaveContext ctx)
    {
        var writer = ctx.Writer;
        writer.Write(FormatVersion);
        writer.Write((byte)Kind);
        WriteShape(writer, Shape);
        Settings.Write(writer);
        Vocabulary.Write(writer);
        writer.Write(_fallbackRanking.Length);
        foreach (int index in _fallbackRanking)
        {
            writer.Write(index);
        }

        History.Write(writer);

        ctx.SaveBinaryStream(WeightsStreamName, w => _module.save(w));
    }

    /// <exception cref="InvalidOperationException">The zip comes from a newer format version.</exception>
    /// <exception cref="InvalidDataException">The zip is damaged or its weights do not match the saved shapes.</exception>
    public static NeuralRecommender Load(ModelLoadContext ctx, EncoderKind expectedKind, ComputeDevice device)
    {
        var reader = ctx.Reader;
        int version = reader.ReadInt32();
        if (version > FormatVersion)
        {
            throw new InvalidOperationException(
                $"The model was saved in format version {version}; this version of Microsoft.ML.GenerativeRec reads versions up to {FormatVersion}. Update the package.");
        }

        var kind = (EncoderKind)reader.ReadByte();
        if (kind != expectedKind)
        {
            throw new InvalidDataException($"The model zip holds a {kind} encoder where a {expectedKind} encoder was expected.");
        }

        EncoderShape shape = ReadShape(reader);
        var settings = ServingSettings.Read(reader);
        var vocabulary = ItemVocabulary.Read(reader);
        int fallbackCount = reader.ReadInt32();
        var fallback = new int[fallbackCount];
        for (int i = 0; i < fallbackCount; i++)
        {
            fallback[i] = reader.ReadInt32();
        }

        var history = TrainingHistory.Read(reader);

        // Resolve the device before creating the module: it is the first call into the torch class, whose static
        // constructor loads TorchSharp's native libraries. A module created first fails with DllNotFoundException in
        // hosts that do not list native assets in a deps.json, such as .NET Interactive notebooks.
        Device target = Training.TorchRuntimeScope.ResolveDevice(device);
        var module = CreateModule(kind, shape);
        try
        {
            bool found = ctx.TryLoadBinaryStream(WeightsStreamName, r => module.load(r, strict: true));
            if (!found)
            {
                throw new InvalidDataException($"The model zip lacks its '{WeightsStreamName}' entry.");
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or EndOfStreamException or IOException)
        {
            module.Dispose();
            throw new InvalidDataException($"The model weights in '{WeightsStreamName}' do not match the saved shapes or are damaged: {e.Message}", e);
        }

        module.to(target);
        return new NeuralRecommender(kind, shape, module, vocabulary, fallback, settings, history, target);
    }

    public void Dispose()
    {
        _normalizedItems?.Dispose();
        _module.Dispose();
    }

    private static void WriteShape(BinaryWriter writer, EncoderShape shape)
    {
        writer.Write(shape.ItemCount);
        writer.Write(shape.EmbeddingDimension);
        writer.Write(shape.NumberOfBlocks);
        writer.Write(shape.NumberOfHeads);
        writer.Write(shape.MaxSequenceLength);
        writer.Write(shape.PaddedLength);
        writer.Write(shape.QueryKeyDimension);
        writer.Write(shape.ValueDimension);
        writer.Write(shape.FeedForwardDimension);
        writer.Write(shape.InputDropoutRate);
        writer.Write(shape.BlockDropoutRate);
        writer.Write(shape.UseTimeBias);
    }

    private static EncoderShape ReadShape(BinaryReader reader)
    {
        var shape = new EncoderShape(reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt64())
        {
            PaddedLength = reader.ReadInt64(),
            QueryKeyDimension = reader.ReadInt64(),
            ValueDimension = reader.ReadInt64(),
            FeedForwardDimension = reader.ReadInt64(),
            InputDropoutRate = reader.ReadDouble(),
            BlockDropoutRate = reader.ReadDouble(),
            UseTimeBias = reader.ReadBoolean(),
        };
        try
        {
            shape.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new InvalidDataException($"The saved encoder shape is invalid: {e.Message}", e);
        }

        return shape;
    }
}
