using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Microsoft.ML.GenerativeRec.Modeling;

/// <summary>Item embedding × √D plus a learned absolute position, dropout, padding zeroed (hstu-spec.md §3.1).</summary>
/// <remarks>
/// The tables are plain parameters read with <c>index_select</c>. The reference's <c>padding_idx=0</c> only keeps
/// row 0 out of the gradient, and here every position whose id is 0 is multiplied by 0, so row 0 gets a zero gradient
/// from this module just the same.
/// </remarks>
internal sealed class InputEmbedding : Module<Tensor, Tensor>
{
    private const long PaddingId = 0;                          // hstu-spec.md §3.1
    private const double ItemEmbeddingStd = 0.02;              // truncated normal, hstu-spec.md §3.6

    [ComponentName(Name = "item_emb")] private readonly Parameter _items;           // [V, D]
    [ComponentName(Name = "pos_emb")] private readonly Parameter _positions;        // [N, D]
    [ComponentName(Name = "dropout")] private readonly Dropout _dropout;
    private readonly long _dimension;
    private readonly PositionalInit _positionalInit;
    // Made once and disposed with the module, so no op leaves a Scalar to the finalizer (docs/reliability.md).
    private readonly ConstantScalars _constants = new();
    private readonly Scalar _scaleScalar;                      // √D
    private readonly Scalar _one;                              // alpha of the sum
    private readonly Scalar _paddingId;

    /// <summary>Builds and initialises the item table [V, D] and the positional table [N, D].</summary>
    /// <param name="itemCount">V, including the padding row 0.</param>
    /// <param name="dimension">D.</param>
    /// <param name="paddedLength">N, the rows of P.</param>
    /// <param name="dropoutRate">The input dropout (<c>train_fn.dropout_rate</c>).</param>
    /// <param name="positionalInit">How P is initialised.</param>
    public InputEmbedding(long itemCount, long dimension, long paddedLength, double dropoutRate, PositionalInit positionalInit)
        : base(nameof(InputEmbedding))
    {
        _dimension = dimension;
        Scale = Math.Sqrt(dimension);
        _positionalInit = positionalInit;
        _scaleScalar = _constants.Own(Scale.ToScalar());
        _one = _constants.Own(1.ToScalar());
        _paddingId = _constants.Own(PaddingId.ToScalar());
        _items = Parameter(empty(itemCount, dimension));
        _positions = Parameter(empty(paddedLength, dimension));
        _dropout = Dropout(dropoutRate);
        RegisterComponents();
        ResetParameters();
    }

    /// <summary>Gets the item embedding table E, shared with the loss and retrieval.</summary>
    /// <value>[V, D] parameter; row 0 is padding.</value>
    public Parameter ItemEmbeddings => _items;

    /// <summary>Gets √D, the factor of the item embeddings.</summary>
    public double Scale { get; }

    /// <summary>Gets the positional table P.</summary>
    /// <value>[N, D] parameter.</value>
    public Parameter PositionalEmbeddings => _positions;

    /// <summary>Re-initialises E and P as the reference does (hstu-spec.md §3.6, §4).</summary>
    public void ResetParameters()
    {
        // E: truncated normal std 0.02 over the whole table, row 0 included (init.py::truncated_normal).
        ParameterInit.TruncatedNormal(ItemEmbeddings, ItemEmbeddingStd);
        // P: HSTU.reset_params overwrites it with xavier_normal_; SASRec keeps truncated normal std √(1/D).
        if (_positionalInit == PositionalInit.XavierNormal)
            ParameterInit.XavierNormal(PositionalEmbeddings);
        else
            ParameterInit.TruncatedNormal(PositionalEmbeddings, Math.Sqrt(1.0 / _dimension));
    }

    /// <summary>Embeds right-padded item ids.</summary>
    /// <param name="ids">[B, n] int64, n ≤ N, 0 at padding.</param>
    /// <returns>[B, n, D], zero rows where the id is 0.</returns>
    public override Tensor forward(Tensor ids)
    {
        using var scope = NewDisposeScope();
        long length = ids.shape[1];
        long batchSize = ids.shape[0];
        var items = _items.index_select(0, ids.flatten())
            .view(batchSize, length, _dimension).mul(_scaleScalar);                     // [B, n, D]
        var positions = _positions.narrow(0, 0, length);                             // [n, D]
        var x = _dropout.forward(items.add(positions, _one));                          // [B, n, D]
        var notPadding = ids.ne(_paddingId).unsqueeze(-1).to_type(x.dtype);           // [B, n, 1]
        return x.mul(notPadding).MoveToOuterDisposeScope();                          // [B, n, D]
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _constants.Dispose();
        base.Dispose(disposing);
    }
}
