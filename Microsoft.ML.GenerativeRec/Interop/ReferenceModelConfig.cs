using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.ML.GenerativeRec.Modeling;

namespace Microsoft.ML.GenerativeRec.Interop;

/// <summary>
/// The JSON file beside a reference state dict: the constructor arguments of generative-recommenders' <c>HSTU</c> or
/// <c>SASRec</c> (hstu-spec.md §3, §4), the item ids the table's rows stand for, and what serving needs besides weights.
/// </summary>
/// <remarks>
/// Property names are the reference's Python argument names in snake_case (<c>max_sequence_len</c>, <c>linear_dim</c>,
/// ...), so the file can be written from a gin configuration by hand. docs/scale.md lists every field.
/// </remarks>
internal sealed class ReferenceModelConfig
{
    /// <summary>The value of <see cref="Format"/> this library writes and expects.</summary>
    public const string FormatName = "generative-recommenders-research-state-dict";

    /// <summary>The newest <see cref="FormatVersion"/> this library reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The <see cref="Model"/> value of an HSTU file.</summary>
    public const string HstuModel = "HSTU";

    /// <summary>The <see cref="Model"/> value of a SASRec file.</summary>
    public const string SasRecModel = "SASRec";

    // The variants of the reference this port implements (hstu-spec.md §3.3, §4); anything else is refused by name.
    private const string SupportedNormalization = "rel_bias";
    private const string SupportedLinearConfig = "uvqk";
    private const string SupportedLinearActivation = "silu";
    private const string SupportedFeedForwardActivation = "relu";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.Strict,
    };

    public string? Format { get; set; }

    public int? FormatVersion { get; set; }

    /// <summary>"HSTU" or "SASRec".</summary>
    public string? Model { get; set; }

    /// <summary>The longest history (200 on ML, 50 on Books).</summary>
    public long? MaxSequenceLen { get; set; }

    /// <summary>gr_output_length + 1 (11 in every reference configuration); N = max_sequence_len + max_output_len.</summary>
    public long? MaxOutputLen { get; set; }

    public long? EmbeddingDim { get; set; }

    public int? NumBlocks { get; set; }

    public int? NumHeads { get; set; }

    /// <summary>HSTU's dqk per head.</summary>
    public long? AttentionDim { get; set; }

    /// <summary>HSTU's dv per head.</summary>
    public long? LinearDim { get; set; }

    public string? Normalization { get; set; }

    public string? LinearConfig { get; set; }

    public string? LinearActivation { get; set; }

    public bool? ConcatUa { get; set; }

    /// <summary>HSTU: whether the blocks own a relative attention bias (default true).</summary>
    public bool? EnableRelativeAttentionBias { get; set; }

    /// <summary>HSTU: whether the model reads timestamps (default true, as every reference configuration feeds them).</summary>
    public bool? UsesTimestamps { get; set; }

    /// <summary>SASRec's feed-forward width.</summary>
    public long? FfnHiddenDim { get; set; }

    public string? FfnActivationFn { get; set; }

    /// <summary>The input dropout (<c>train_fn.dropout_rate</c>); kept for training, unused when serving.</summary>
    public double? DropoutRate { get; set; }

    /// <summary>HSTU's linear dropout; unused when serving.</summary>
    public double? LinearDropoutRate { get; set; }

    /// <summary>SASRec's FFN and attention dropout; unused when serving.</summary>
    public double? FfnDropoutRate { get; set; }

    /// <summary>The type of the History column the imported model reads: Int32 (default), UInt32, Int64 or String.</summary>
    public string? ItemIdType { get; set; }

    /// <summary>The ids the model recommends (the reference's <c>all_item_ids</c>); null means every row 1..V − 1 of the table.</summary>
    public long[]? ItemIds { get; set; }

    /// <summary>Ids for histories with no known item, best first (ours: by training popularity); null means ascending id order.</summary>
    public long[]? FallbackItemIds { get; set; }

    /// <summary>Reads and checks the file at <paramref name="path"/>.</summary>
    /// <exception cref="FileNotFoundException">There is no file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not JSON of this layout; the message names the field.</exception>
    public static ReferenceModelConfig Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"The hyper-parameter file '{path}' does not exist. A reference state dict needs a JSON file beside it with the model's " +
                "constructor arguments (docs/scale.md shows one); ExportToReference writes it.", path);
        }

        ReferenceModelConfig? config;
        try
        {
            using var stream = File.OpenRead(path);
            config = JsonSerializer.Deserialize<ReferenceModelConfig>(stream, Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The hyper-parameter file '{path}' is not valid: {e.Message}", e);
        }

        if (config is null)
        {
            throw new InvalidDataException($"The hyper-parameter file '{path}' holds null; expected a JSON object.");
        }

        config.Validate(path);
        return config;
    }

    /// <summary>Writes the file to <paramref name="path"/>, replacing any file there.</summary>
    public void Write(string path)
    {
        using var stream = File.Create(path);
        JsonSerializer.Serialize(stream, this, Json);
    }

    /// <summary>The encoder shape these arguments build.</summary>
    /// <param name="itemRows">Rows of our item table: the number of items + 1 (padding).</param>
    public EncoderShape ToShape(long itemRows)
    {
        bool hstu = Model == HstuModel;
        long dimension = EmbeddingDim!.Value;
        var shape = new EncoderShape(itemRows, dimension, NumBlocks!.Value, NumHeads!.Value, MaxSequenceLen!.Value)
        {
            PaddedLength = MaxSequenceLen!.Value + MaxOutputLen!.Value,
            QueryKeyDimension = hstu ? AttentionDim!.Value : dimension / NumHeads!.Value,
            ValueDimension = hstu ? LinearDim!.Value : dimension / NumHeads!.Value,
            FeedForwardDimension = hstu ? dimension : FfnHiddenDim!.Value,
            InputDropoutRate = DropoutRate ?? SequentialRecommenderDefaults.DropoutRate,
            BlockDropoutRate = (hstu ? LinearDropoutRate : FfnDropoutRate) ?? SequentialRecommenderDefaults.DropoutRate,
            UseTimeBias = hstu && HasRelativeBias && (UsesTimestamps ?? true),
        };
        return shape;
    }

    /// <summary>True unless an HSTU file says its blocks have no relative attention bias.</summary>
    public bool HasRelativeBias => EnableRelativeAttentionBias ?? true;

    /// <summary>The arguments of a model of ours.</summary>
    public static ReferenceModelConfig FromShape(EncoderKind kind, EncoderShape shape)
    {
        bool hstu = kind == EncoderKind.Hstu;
        return new ReferenceModelConfig
        {
            Format = FormatName,
            FormatVersion = CurrentFormatVersion,
            Model = hstu ? HstuModel : SasRecModel,
            MaxSequenceLen = shape.MaxSequenceLength,
            MaxOutputLen = shape.PaddedLength - shape.MaxSequenceLength,
            EmbeddingDim = shape.EmbeddingDimension,
            NumBlocks = shape.NumberOfBlocks,
            NumHeads = shape.NumberOfHeads,
            AttentionDim = hstu ? shape.QueryKeyDimension : null,
            LinearDim = hstu ? shape.ValueDimension : null,
            Normalization = hstu ? SupportedNormalization : null,
            LinearConfig = hstu ? SupportedLinearConfig : null,
            LinearActivation = hstu ? SupportedLinearActivation : null,
            ConcatUa = hstu ? false : null,
            EnableRelativeAttentionBias = hstu ? true : null,
            UsesTimestamps = hstu ? shape.UseTimeBias : null,
            FfnHiddenDim = hstu ? null : shape.FeedForwardDimension,
            FfnActivationFn = hstu ? null : SupportedFeedForwardActivation,
            DropoutRate = shape.InputDropoutRate,
            LinearDropoutRate = hstu ? shape.BlockDropoutRate : null,
            FfnDropoutRate = hstu ? null : shape.BlockDropoutRate,
        };
    }

    private void Validate(string path)
    {
        if (Format is not null && Format != FormatName)
            throw Invalid(path, "format", Format, $"\"{FormatName}\"");
        if (FormatVersion is { } version && (version < 1 || version > CurrentFormatVersion))
        {
            throw new InvalidOperationException(
                $"The hyper-parameter file '{path}' has format_version {version}; this version of Microsoft.ML.GenerativeRec reads 1 to {CurrentFormatVersion}. Update the package.");
        }

        if (Model is not (HstuModel or SasRecModel))
            throw Invalid(path, "model", Model, $"\"{HstuModel}\" or \"{SasRecModel}\"");
        RequirePositive(path, "max_sequence_len", MaxSequenceLen);
        RequirePositive(path, "max_output_len", MaxOutputLen);
        RequirePositive(path, "embedding_dim", EmbeddingDim);
        RequirePositive(path, "num_blocks", NumBlocks);
        RequirePositive(path, "num_heads", NumHeads);
        if (Model == HstuModel)
        {
            RequirePositive(path, "attention_dim", AttentionDim);
            RequirePositive(path, "linear_dim", LinearDim);
            RequireVariant(path, "normalization", Normalization, SupportedNormalization);
            RequireVariant(path, "linear_config", LinearConfig, SupportedLinearConfig);
            RequireVariant(path, "linear_activation", LinearActivation, SupportedLinearActivation);
            if (ConcatUa == true)
                throw Unsupported(path, "concat_ua", "true", "false");
        }
        else
        {
            RequirePositive(path, "ffn_hidden_dim", FfnHiddenDim);
            RequireVariant(path, "ffn_activation_fn", FfnActivationFn, SupportedFeedForwardActivation);
            if (EmbeddingDim % NumHeads != 0)
                throw Invalid(path, "embedding_dim", EmbeddingDim, $"a multiple of num_heads ({NumHeads}) for SASRec's multi-head attention");
        }

        if (ItemIdType is not null && ReferenceItemIds.ParseType(ItemIdType) is null)
            throw Invalid(path, "item_id_type", ItemIdType, ReferenceItemIds.SupportedTypes);
        RequireRate(path, "dropout_rate", DropoutRate);
        RequireRate(path, "linear_dropout_rate", LinearDropoutRate);
        RequireRate(path, "ffn_dropout_rate", FfnDropoutRate);
    }

    private static void RequirePositive(string path, string name, long? value)
    {
        if (value is null)
            throw new InvalidDataException($"The hyper-parameter file '{path}' lacks '{name}'; expected a positive integer.");
        if (value <= 0)
            throw Invalid(path, name, value, "a positive integer");
    }

    private static void RequireRate(string path, string name, double? value)
    {
        if (value is { } rate && (!double.IsFinite(rate) || rate < 0 || rate >= 1))
            throw Invalid(path, name, rate, "a rate in [0, 1)");
    }

    // A missing variant field means the reference's default, which is the one supported.
    private static void RequireVariant(string path, string name, string? value, string supported)
    {
        if (value is not null && value != supported)
            throw Unsupported(path, name, $"\"{value}\"", $"\"{supported}\"");
    }

    private static InvalidDataException Invalid(string path, string name, object? value, string expected)
        => new($"The hyper-parameter file '{path}' has {name} = {Describe(value)}; expected {expected}.");

    private static NotSupportedException Unsupported(string path, string name, string value, string supported)
        => new($"The hyper-parameter file '{path}' has {name} = {value}; Microsoft.ML.GenerativeRec implements only {name} = {supported} " +
               "(the variant of every reference configuration, hstu-spec.md §3.3, §4).");

    private static string Describe(object? value) => value switch
    {
        null => "null",
        string text => $"\"{text}\"",
        IFormattable number => number.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "null",
    };
}
