"""A small piece of the schema.org vocabulary (https://schema.org, version 29) to check our JSON-LD against.

For each type we emit: its properties as schema.org defines them (the type's own and the ones it inherits from
Thing, CreativeWork or Intangible that matter here), the ones we require (Google's rich-result requirements where
it has them, else what makes the record useful), and the enumerations some properties take. A property outside
the list, a missing required one, an unknown ``@type`` or an enumeration value that is not one fails.
"""

THING = {"name", "url", "image", "description", "identifier", "sameAs", "alternateName", "additionalType",
         "mainEntityOfPage", "disambiguatingDescription", "potentialAction", "subjectOf"}
CREATIVE_WORK = {"about", "author", "dateCreated", "dateModified", "datePublished", "inLanguage", "license",
                 "publisher", "keywords", "version", "text", "abstract", "citation", "creator", "expires",
                 "funder", "isPartOf", "mentions", "sourceOrganization", "spatialCoverage", "temporalCoverage"}

VOCABULARY = {
    "Product": {
        "properties": THING | {
            "aggregateRating", "award", "brand", "category", "color", "countryOfAssembly", "countryOfLastProcessing",
            "countryOfOrigin", "depth", "funding", "gtin", "gtin12", "gtin13", "gtin14", "gtin8",
            "hasAdultConsideration", "hasCertification", "hasEnergyConsumptionDetails", "hasMeasurement",
            "hasMerchantReturnPolicy", "height", "inProductGroupWithID", "isAccessoryOrSparePartFor",
            "isConsumableFor", "isRelatedTo", "isSimilarTo", "isVariantOf", "itemCondition", "keywords", "logo",
            "manufacturer", "material", "mobileUrl", "model", "mpn", "negativeNotes", "nsn", "offers", "pattern",
            "positiveNotes", "productID", "productionDate", "purchaseDate", "releaseDate", "review", "size", "sku",
            "slogan", "weight", "width", "additionalProperty", "asin", "audience"},
        "required": {"name"},
    },
    "Offer": {
        "properties": THING | {
            "acceptedPaymentMethod", "addOn", "advanceBookingRequirement", "aggregateRating", "areaServed", "asin",
            "availability", "availabilityEnds", "availabilityStarts", "availableAtOrFrom", "availableDeliveryMethod",
            "businessFunction", "category", "checkoutPageURLTemplate", "deliveryLeadTime", "eligibleCustomerType",
            "eligibleDuration", "eligibleQuantity", "eligibleRegion", "eligibleTransactionVolume", "gtin",
            "gtin12", "gtin13", "gtin14", "gtin8", "hasAdultConsideration", "hasMeasurement",
            "hasMerchantReturnPolicy", "includesObject", "ineligibleRegion", "inventoryLevel", "isFamilyFriendly",
            "itemCondition", "itemOffered", "leaseLength", "mpn", "offeredBy", "price", "priceCurrency",
            "priceSpecification", "priceValidUntil", "review", "seller", "serialNumber", "shippingDetails", "sku",
            "validFrom", "validThrough", "warranty"},
        "required": {"price", "priceCurrency", "availability", "url"},
        "enumerations": {"availability": {
            "https://schema.org/InStock", "https://schema.org/OutOfStock", "https://schema.org/PreOrder",
            "https://schema.org/BackOrder", "https://schema.org/Discontinued", "https://schema.org/InStoreOnly",
            "https://schema.org/LimitedAvailability", "https://schema.org/OnlineOnly", "https://schema.org/SoldOut",
            "https://schema.org/PreSale", "https://schema.org/MadeToOrder", "https://schema.org/Reserved"}},
    },
    "AggregateRating": {
        "properties": THING | {"ratingValue", "ratingCount", "reviewCount", "bestRating", "worstRating",
                               "itemReviewed", "author", "ratingExplanation", "reviewAspect"},
        "required": {"ratingValue", "ratingCount"},
    },
    "Rating": {
        "properties": THING | {"ratingValue", "bestRating", "worstRating", "author", "ratingExplanation",
                               "reviewAspect"},
        "required": {"ratingValue", "bestRating", "worstRating"},
    },
    "Certification": {
        "properties": THING | CREATIVE_WORK | {
            "auditDate", "certificationIdentification", "certificationRating", "certificationStatus",
            "hasMeasurement", "issuedBy", "logo", "validFor", "validFrom", "validIn"},
        "required": {"name", "certificationIdentification", "issuedBy", "validFrom", "expires",
                     "certificationStatus", "certificationRating"},
        "enumerations": {"certificationStatus": {"https://schema.org/CertificationActive",
                                                 "https://schema.org/CertificationInactive"}},
    },
    "Organization": {
        "properties": THING | {
            "address", "aggregateRating", "areaServed", "brand", "contactPoint", "department", "duns", "email",
            "founder", "foundingDate", "globalLocationNumber", "hasCertification", "hasCredential",
            "iso6523Code", "keywords", "legalName", "leiCode", "location", "logo", "member", "naics",
            "numberOfEmployees", "parentOrganization", "slogan", "taxID", "telephone", "vatID"},
        "required": {"name"},
    },
    "Brand": {
        "properties": THING | {"aggregateRating", "logo", "review", "slogan"},
        "required": {"name"},
    },
}
KEYWORDS = {"@context", "@type", "@id"}


def problems(node, path="$"):
    """Every way ``node`` (a JSON-LD object, nested ones included) breaks the vocabulary, as readable lines."""
    found = []
    if isinstance(node, list):
        for index, item in enumerate(node):
            found += problems(item, f"{path}[{index}]")
        return found
    if not isinstance(node, dict):
        return found
    kind = node.get("@type")
    if kind is None:
        return [f"{path}: no @type"]
    if kind not in VOCABULARY:
        return [f"{path}: unknown type {kind}"]
    entry = VOCABULARY[kind]
    found += [f"{path}: {kind} has no property {name}" for name in sorted(set(node) - entry["properties"] - KEYWORDS)]
    found += [f"{path}: {kind} needs {name}" for name in sorted(entry["required"] - set(node))]
    for name, allowed in entry.get("enumerations", {}).items():
        if name in node and node[name] not in allowed:
            found.append(f"{path}.{name}: {node[name]!r} is not a schema.org value")
    for name, value in node.items():
        if name not in KEYWORDS:
            found += problems(value, f"{path}.{name}")
    return found
