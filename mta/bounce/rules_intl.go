package bounce

// Phrase tables in the languages receivers write notices in: English (in
// rules_table.go), German, French, Spanish, Italian, Portuguese, Dutch,
// Russian, Japanese, Chinese (simplified and traditional), Korean, Arabic,
// Hebrew, Polish, Czech and Turkish, plus Scandinavian terms old rules had,
// and full mailboxes and unknown users in Hungarian, Romanian, Greek,
// Finnish, Indonesian/Malay, Vietnamese and Thai.
// Terms in scripts without ASCII letters take no \b (Go's \b is ASCII
// only; TestRulePatternsAvoidASCIIBoundaryOnOtherScripts guards it).
// Bodies arrive in legacy charsets (ISO-2022-JP, Shift_JIS, GB2312, Big5,
// EUC-KR, KOI8-R, windows-1256, ISO-8859-8…), decoded by golang.org/x/text
// (charset.go) before these are matched.

// groupPosting is a mailing list or Google Group refusing the sender's
// post: Google Groups and Google Workspace write "The group you tried to
// contact may not exist, or you may not have permission to post messages
// to the group" in the reader's language; the "may not exist" must not
// read as an unknown user.
const groupPosting = `(?:permission|authori[sz]ed|allowed|privilege)s?(?:[^.\n]|\.\S){0,20}\bto post\b|\bpost(?:ing)? (?:messages )?to (?:this|the) (?:group|list)|not allowed to post|posting (?:is )?(?:restricted|not allowed|denied|not permitted)|only (?:members|moderators) (?:can|may) post|not a member of (?:this|the) (?:group|list)` +
	`|not allowed to (?:send|post) (?:messages )?to (?:the |this )?(?:list|group)|not from a (?:list )?member|(?:from|by) a moderated member|not (?:authori[sz]ed|allowed|permitted) to (?:send|post) (?:mail |messages? |e-?mail )?to (?:the |this )?[\w.-]+ (?:mailing )?(?:list|group)|\bnot (?:a )?(?:subscriber|subscribed|member of)\b|\bnon-?member|members-only` +
	`|berechtigt(?:[^.\n]|\.\S){0,40}(?:gruppe|zu posten|zu senden)|gruppe(?:[^.\n]|\.\S){0,80}(?:nicht berechtigt|keine berechtigung)` + // de
	`|autoris[ée]+(?:[^.\n]|\.\S){0,30}(?:publier|poster)|(?:publier|poster) des messages dans le groupe` + // fr
	`|permiso para (?:publicar|enviar mensajes)|publicar mensajes en el grupo` + // es
	`|autorizzazione a (?:pubblicare|postare)|pubblicare messaggi nel gruppo` + // it
	`|permiss[aã]o para (?:postar|publicar)|postar mensagens no grupo` + // pt
	`|toestemming om(?:[^.\n]|\.\S){0,30}(?:posten|plaatsen|te sturen)|berichten (?:te )?(?:posten|plaatsen) in de groep` + // nl
	`|(?:прав|разрешени)(?:[^.\n]|\.\S){0,30}(?:публик|отправлять сообщения в групп)` + // ru
	`|投稿(?:する)?(?:権限|許可)|グループに投稿` + // ja
	`|(?:发帖|發帖|发布|發佈)(?:消息)?(?:的)?(?:权限|權限)|无权(?:在|向)?[^。\n]{0,10}(?:群组|群組)|(?:群组|群組)[^。\n]{0,30}(?:权限|權限)` + // zh
	`|게시(?:할)? 권한|그룹에 (?:메시지를 )?게시` + // ko
	`|(?:إذن|صلاحية)(?:[^.\n]|\.\S){0,20}(?:النشر|نشر الرسائل)` + // ar
	`|הרשאה(?:[^.\n]|\.\S){0,20}לפרסם` + // he
	`|uprawnień do (?:publikowania|wysyłania wiadomości do grupy)` + // pl
	`|oprávnění(?:[^.\n]|\.\S){0,20}(?:publikovat|přispívat|zveřejňovat)` + // cs
	`|(?:yayınlama|gönderme|mesaj gönderme) izn` // tr

// expiredIntl: the message expired in the queue, retries gave up.
const expiredIntl = `(?:after|nach|après|después de|dopo|após|na|durante|pendant|für|per|por|gedurende|przez|po dobu|в течение) \d+ (?:days|tagen|jours|días|giorni|dias|dagen|dni|dnů|dní|дней|дня|gün)|(?:message|courrier|mensaje|messaggio|mensagem|nachricht|bericht)(?:[^.\n]|\.\S){0,20}(?:a expiré|expiré|caducado|expirado|scaduto|expirou|expirada|abgelaufen|verlopen)|zeitüberschreitung|(?:nicht|konnte nicht) innerhalb|zustellversuche(?:[^.\n]|\.\S){0,30}(?:aufgegeben|abgebrochen)|délai (?:de (?:distribution|remise) )?(?:dépassé|expiré)|plazo (?:de entrega )?(?:vencido|expirado)|tiempo de entrega (?:agotado|excedido)|tempo (?:massimo )?(?:scaduto|di consegna scaduto)|prazo (?:de entrega )?(?:expirou|esgotado)|bezorgtijd verlopen|срок (?:доставки |хранения )?(?:истек|истёк)|配信期限|有効期限が切れ|投递超时|投遞逾時|전송 시간 초과|انتهت مهلة|פג (?:תוקף|הזמן)|upłynął (?:czas|termin)|vypršel(?:a)? (?:čas|lhůta)|teslim süresi doldu|ha sido descartad[oa]|wurde verworfen|a été abandonné|è stato scartat[oa]|foi descartad[oa]`

// spamIntl: the content was judged spam.
const spamIntl = `спам|indésirable|pourriel|no deseado|correo basura|unerwünscht|indesiderat|indesejad|lixo eletr[oô]nico|ongewenst|迷惑メール|スパム|垃圾邮件|垃圾郵件|스팸|رسائل مزعجة|بريد (?:عشوائي|مزعج)|דואר זבל|ספאם|niechcian|nevyžádan|istenmeyen (?:e-)?posta|thư rác|สแปม|levélszemét|kéretlen|mesaj nesolicitat|ανεπιθύμητ|roskaposti|skräppost|søppelpost|uønsket (?:e-?post|post)|небажан|нежелан|neželjen|brossa|هرزنامه|neželena`

// systemIntl: the receiver's system failed.
const systemIntl = `interner fehler|systemfehler|erreur (?:interne|système|du système)|error (?:interno|del sistema)|errore (?:interno|di sistema)|erro (?:interno|do sistema)|interne fout|systeemfout|внутренняя ошибка|системная ошибка|システムエラー|内部エラー|系统错误|內部錯誤|系統錯誤|시스템 오류|내부 오류|خطأ (?:في النظام|داخلي)|שגיאת מערכת|שגיאה פנימית|błąd (?:systemu|wewnętrzny)|(?:systémová|interní) chyba|sistem hatası|iç hata`

// closedIntl: an account closed for good (deleted, cancelled, shut down).
const closedIntl = `(?:konto|postfach|compte|bo[iî]te|cuenta|buz[oó]n|account|casella|conta|caixa|aккаунт|аккаунт|учетн|учётн|ящик|skrzynka|konto|účet|schránka|hesap)(?:[^.\n]|\.\S){0,40}(?:gelöscht|geschlossen|aufgelöst|gekündigt|supprimé|fermé|clôturé|résilié|cerrad|cancelad|eliminad|dad[oa] de baja|chius|cancellat|eliminat|encerrad|cancelad|excluíd|opgeheven|verwijderd|удален|удалён|закрыт|usunięt|zamknięt|zrušen|smazán|kapatıldı|silindi)|dad[oa] de baja definitivamente`

// temporaryIntl: a temporary condition.
// disabledIntl: an account disabled, blocked or suspended for now.
const disabledIntl = `tijdelijk (?:geblokkeerd|uitgeschakeld|gedeactiveerd|opgeschort)|vorübergehend (?:gesperrt|deaktiviert|stillgelegt)|temporär (?:gesperrt|deaktiviert)|temporairement (?:bloqué|suspendu|désactivé)|temporalmente (?:bloquead|suspendid|desactivad|deshabilitad)|temporaneamente (?:bloccat|sospes|disattivat)|temporariamente (?:bloquead|suspens|desativad)|временно (?:заблокирован|отключен|приостановлен)|(?:ящик|аккаунт|учетн|учётн)(?:[^.\n]|\.\S){0,30}(?:заблокирован|приостановлен)|tymczasowo (?:zablokowan|zawieszon|wyłączon)|dočasně (?:zablokován|pozastaven|deaktivován)|geçici olarak (?:engellen|askıya|devre dışı)|(?:обліков|скриньк|акаунт)(?:[^.\n]|\.\S){0,30}(?:заблоковано|заблокован|призупинен|вимкнен)|тимчасово (?:заблоковано|вимкнено|призупинено)`

// deactivatedIntl is an account or mailbox said to be deactivated,
// disabled, locked or suspended (de fr es pt it nl pl): soft, as the
// English wordings.
const deactivatedIntl = `(?:konto|postfach|benutzer(?:konto)?|compte|bo[iî]te aux lettres|cuenta|buz[oó]n|usuario|conta\b|caixa postal|usu[aá]rio|utente|casella|account|mailbox|gebruiker|postvak|konto użytkownika|skrzynka)(?:[^.;\n]|\.\S){0,30}(?:deaktiviert|gesperrt|stillgelegt|désactivée?|suspendue?|bloquée?|desactivad|deshabilitad|suspendid|bloquead|desativad|suspens|disattivat|sospes|bloccat|gedeactiveerd|uitgeschakeld|geblokkeerd|wyłączon|zablokowan|zawieszon)`

const temporaryIntl = `vorübergehend|temporairement|temporalmente|temporaneamente|temporariamente|tijdelijk|временно|一時的|暂时|暫時|临时|일시적|مؤقت|זמני|tymczasow|dočasn|geçici`

// mailboxFullIntl: over quota, in many languages.
func mailboxFullIntl() []rule {
	return []rule{
		{name: "mailbox-full-de", class: SoftMailboxFull, reason: ReasonMailboxFull,
			match:   `postfach(?:[^.\n]|\.\S){0,30}(?:voll|überschritten|keinen platz)|speicherplatz|(?:quota|kontingent|speicher)(?:[^.\n]|\.\S){0,20}(?:überschritten|erschöpft|voll)`,
			example: "552 Das Postfach des Empfängers ist voll"},
		{name: "mailbox-full-fr", class: SoftMailboxFull, reason: ReasonMailboxFull,
			match:   `bo[iî]te(?:[^.\n]|\.\S){0,50}pleine|quota(?:[^.\n]|\.\S){0,20}(?:dépassé|atteint)|(?:dépassé|atteint|excédé)(?:[^.\n]|\.\S){0,20}(?:quota|capacité|taille maximale)|espace (?:de stockage )?insuffisant`,
			example: "552 La boîte aux lettres du destinataire est pleine"},
		{name: "mailbox-full-es", class: SoftMailboxFull, reason: ReasonMailboxFull,
			match:   `buz[oó]n(?:[^.\n]|\.\S){0,30}(?:llen[oa]|excedid)|cuota(?:[^.\n]|\.\S){0,20}(?:excedid|superad)|(?:superado|excedido|sobrepasado)(?:[^.\n]|\.\S){0,20}(?:cuota|capacidad|l[ií]mite de (?:almacenamiento|espacio))|sin espacio|espacio insuficiente`,
			example: "552 El buzón del destinatario está lleno"},
		{name: "mailbox-full-other", class: SoftMailboxFull, reason: ReasonMailboxFull,
			match: `\b(?:mailbox|postbus|brievenbus) (?:is )?vol\b|(?:メールボックス|受信箱|メールボックスの容量)(?:[^。\n]){0,10}(?:一杯|いっぱい)|cas(?:ella|setta)(?:[^.\n]|\.\S){0,30}(?:piena|esaurit)|quota superata|(?:superato|esaurito)(?:[^.\n]|\.\S){0,20}(?:quota|spazio|limite)|(?:excedeu|ultrapassou|esgotou)(?:[^.\n]|\.\S){0,20}(?:cota|quota|capacidade|espa[cç]o)|spazio esaurito|caixa(?:[^.\n]|\.\S){0,30}(?:cheia|lotada)|cota excedida` +
				`|ящик(?:[^.\n]|\.\S){0,30}(?:переполнен|заполнен)|переполнен|превы(?:шен|сил)(?:[^.\n]|\.\S){0,20}(?:квот|размер|лимит)|лимит(?:[^.\n]|\.\S){0,10}(?:дискового пространства|размера ящика)|недостаточно места` +
				`|(?:mailbox|brievenbus)(?:[^.\n]|\.\S){0,20}(?:is|zit) (?:te )?vol\b|postvak(?:[^.\n]|\.\S){0,20}vol|quotum overschreden|quot(?:a|um)(?:[^.\n]|\.\S){0,20}overschr|przekroczy(?:ł|ła|ło)(?:[^.\n]|\.\S){0,20}(?:limit|przydział|quot|pojemno)|skrzynka(?:[^.\n]|\.\S){0,20}(?:pełna|przepełniona)|przekroczon[aoy]? (?:limit|przydział|quot)|schránka(?:[^.\n]|\.\S){0,20}(?:plná|přeplněna)|překročen[aáý]? (?:kvóta|limit)|posta kutusu(?:[^.\n]|\.\S){0,20}(?:dolu|doldu)|kota(?:sı)? aşıldı` +
				`|brevlåda(?:[^.\n]|\.\S){0,20}full|postkasse(?:[^.\n]|\.\S){0,20}ful|` +
				// hu, ro, el, fi, id/ms, vi, th
				`postafiók(?:[^.\n]|\.\S){0,20}(?:megtelt|tele van)|tárhely(?:e|a)? megtelt|c[ăa]su[țţt]a (?:po[șşs]tal[ăa]|de e-?mail)(?:[^.\n]|\.\S){0,40}plin[ăa]|cutia po[șşs]tal[ăa](?:[^.\n]|\.\S){0,40}plin[ăa]|γραμματοκιβώτιο(?:[^.\n]|\.\S){0,30}γεμάτο|postilaatikko(?:[^.\n]|\.\S){0,20}täynnä|kotak (?:surat|masuk)(?:[^.\n]|\.\S){0,20}penuh|hộp thư(?:[^.\n]|\.\S){0,20}đầy|กล่องจดหมาย[^\n]{0,20}เต็ม|メールボックスがいっぱい|メールボックスの容量|容量(?:が)?(?:超過|オーバー|制限)|容量(?:が|の)?不足|용량(?:이)? 부족|邮箱已满|信箱已满|郵箱已滿|信箱已滿|(?:邮箱|信箱|郵箱|空间|空間|容量)[^。\n]{0,6}(?:已满|已滿)|満杯|(?:수신함|편지함|메일함|사서함)[^.\n]{0,10}(?:꽉|가득)|空间不足|容量已满|超出(?:邮箱)?容量|메일함이 가득|사서함이 가득|용량(?:을|이)? 초과|저장 공간이 부족|صندوق(?:[^.\n]|\.\S){0,30}ممتلئ|امتلاء صندوق البريد|تجاوز (?:الحصة|السعة)|תיבת הדואר(?:[^.\n]){0,30}מלאה|חריגה ממכסת|скриньк(?:[^.\n]|\.\S){0,40}(?:переповнен|заповнен)|переповнен|пощенск(?:ата|а) кутия(?:[^.\n]|\.\S){0,30}(?:пълна|препълнена)|(?:sandučić|sanduče|poštanski pretinac|nabiralnik|poštni predal)(?:[^.\n]|\.\S){0,30}(?:pun|poln|prepun)|bústia(?:[^.\n]|\.\S){0,30}plena|pašto dėžutė(?:[^.\n]|\.\S){0,20}pilna|поштанско сандуче(?:[^.\n]|\.\S){0,30}(?:пуно|препуно)|pósthólf(?:[^.\n]|\.\S){0,30}fullt|peti (?:mel|surat)(?:[^.\n]|\.\S){0,30}penuh|pastkastīte(?:[^.\n]|\.\S){0,20}pilna|postkast(?:[^.\n]|\.\S){0,20}täis|schránka(?:[^.\n]|\.\S){0,20}(?:je )?plná|صندوق (?:پستی|نامه)(?:[^.\n]|\.\S){0,20}پر|मेलबॉक्स(?:[^.\n]){0,20}भर`,
			example: "552 Почтовый ящик получателя переполнен"},
	}
}

// domainIntl: the recipient's domain does not exist. Before the
// recipient tables, whose "does not exist" would take it for a user.
func domainIntl() []rule {
	return []rule{
		{name: "domain-not-found-intl", class: HardInvalidRecipient, reason: ReasonDomainNotFound, sticky: true,
			match: `domain[^\n]{0,40}(?:existiert nicht|nicht gefunden|unbekannt)|domaine[^\n]{0,40}(?:inexistant|introuvable|inconnu|n'existe pas)|dominio[^\n]{0,40}(?:no existe|inexistente|desconocido|no encontrado|non esiste|sconosciuto)` +
				`|dom[ií]nio[^\n]{0,40}(?:n[aã]o existe|inexistente|desconhecido|n[aã]o encontrado)|domein[^\n]{0,40}(?:bestaat niet|onbekend|niet gevonden)|домен[^\n]{0,40}(?:не существует|не найден)` +
				`|ドメインが(?:存在しません|見つかりません)|域名不存在|域名无效|找不到域名|網域不存在|도메인(?:을|이)? (?:찾을 수 없|존재하지 않)|النطاق غير موجود|הדומיין (?:לא קיים|אינו קיים)|domena nie istnieje|doména neexistuje|alan adı bulunamadı`,
			example: "550 Le domaine example.net est inexistant"},
	}
}

// recipientIntl: unknown users and dead accounts.
func recipientIntl() []rule {
	return []rule{
		{name: "user-unknown-de", class: HardInvalidRecipient, reason: ReasonUserUnknown,
			match:   `\bbenutzer(?:konto)?(?:[^.\n]|\.\S){0,30}(?:unbekannt|existiert nicht|nicht gefunden|nicht vorhanden|gelöscht)|unbekannte[rn]? (?:benutzer|empfänger|adresse|mailbox|postfach)|empfänger(?:adresse)?(?:[^.\n]|\.\S){0,40}(?:nicht bekannt|unbekannt|existiert nicht|nicht gefunden|ungültig)|\b(?:adresse|postfach|mailbox|konto)(?:[^.\n]|\.\S){0,30}(?:existiert nicht|nicht gefunden|unbekannt|ungültig|nicht vorhanden|gelöscht)|ungültige (?:adresse|e-mail-adresse|empfänger)`,
			example: "550 Die E-Mail-Adresse des Empfängers existiert nicht"},
		{name: "user-unknown-fr", class: HardInvalidRecipient, reason: ReasonUserUnknown,
			match:   `\b(?:utilisateur|destinataire|adresse|bo[iî]te aux lettres|compte)(?:[^.\n]|\.\S){0,30}(?:inconnu|inexistant|introuvable|n'existe pas|n’existe pas|invalide|non valide)|n'existe pas|n’existe pas`,
			example: "550 5.1.1 Adresse du destinataire inconnue"},
		{name: "user-unknown-es", class: HardInvalidRecipient, reason: ReasonUserUnknown,
			match:   `\b(?:usuario|destinatario|direcci[oó]n|buz[oó]n|cuenta|casilla)(?:[^.\n]|\.\S){0,30}(?:desconocid|inexistente|no existe|no encontrad|no es v[aá]lid|no v[aá]lid|inv[aá]lid)|no existe`,
			example: "550 El usuario no existe en este dominio"},
		{name: "user-unknown-it-pt", class: HardInvalidRecipient, reason: ReasonUserUnknown,
			match:   `\b(?:utente|indirizzo|casella|usu[aá]rio|utilizador|destinat[aá]rio|endere[cç]o|conta\b)(?:[^.\n]|\.\S){0,30}(?:sconosciut|inesistente|inexistente|non esiste|non trovat|non (?:è )?valid|desconhecid|n[aã]o existe|n[aã]o encontrad|inv[aá]lid)|non esiste|n[aã]o existe`,
			example: "550 Utente sconosciuto"},
		{name: "user-unknown-ru", class: HardInvalidRecipient, reason: ReasonUserUnknown,
			match:   `(?:пользовател|адрес|получател|ящик|аккаунт|учетн|учётн)(?:[^.\n]|\.\S){0,40}(?:не найден|не существует|не обнаружен|неизвест|удален|удалён|отключен)|нет такого (?:пользователя|адреса|ящика)|несуществующ|неизвестный (?:пользователь|адрес|получатель)`,
			example: "550 Пользователь не найден"},
		// Exchange and Office 365's "<who> wasn't found at <domain>", in
		// the reader's language; the domain rules come first.
		{name: "user-not-found-at", class: HardInvalidRecipient, reason: ReasonUserUnknown,
			match: `was ?n[o']t found at\b|wurde (?:unter|bei|in) \S+ nicht gefunden|est introuvable (?:sur|dans|chez)\b|no se encontr[óo] (?:a |al )?\S+ en\b|n[ãa]o foi encontrad[oa] (?:em|no|na)\b` +
				`|non (?:è|e') stat[oa] trovat[oa] (?:in|su|nel|nella)\b|(?:is|werd) niet gevonden (?:op|in|bij)\b|で見つかりませんでした|中找不到|에서 찾을 수 없습니다`,
			example: "Ihre Nachricht an jana@example.net konnte nicht übermittelt werden. jana@example.net wurde unter example.net nicht gefunden."},
		{name: "user-unknown-other", class: HardInvalidRecipient, reason: ReasonUserUnknown,
			match: `\bnie ma (?:takiego|podanego) (?:użytkownika|adresu|konta|adresata)|\bukendt (?:modtager|bruger|adresse)|\balıcı(?: adresi)?(?:[^.\n]|\.\S){0,20}geçersiz|\b(?:gebruiker|ontvanger|adres|account)(?:[^.\n]|\.\S){0,30}(?:onbekend|bestaat niet|niet gevonden)|onbekende (?:gebruiker|ontvanger)|bestaat niet` +
				`|\b(?:użytkownik|odbiorca|skrzynka|adres|konto)(?:[^.\n]|\.\S){0,30}(?:nie istnieje|nieznany)|nieznany (?:użytkownik|odbiorca|adres)|nie znaleziono (?:użytkownika|odbiorcy|adresu)|nie istnieje` +
				`|neexistuje|neznámý (?:uživatel|příjemce|adresát)|(?:uživatel|příjemce) (?:nebyl )?nenalezen` +
				`|kullanıcı bulunamadı|kullanıcı yok|alıcı bulunamadı|böyle bir kullanıcı|adres bulunamadı|geçersiz alıcı` +
				`|finns inte|findes ikke|finnes ikke|ukjent (?:bruker|mottaker)|okänd (?:användare|mottagare)` +
				// hu, ro, el, fi, id/ms, vi, th
				`|(?:címzett|felhasználó|postafiók|e-?mail cím)(?:[^.\n]|\.\S){0,30}nem létezik|ismeretlen (?:címzett|felhasználó)` +
				`|(?:utilizator|destinatar|adres[ae])(?:[^.\n]|\.\S){0,30}(?:nu exist[ăa]|inexistent|necunoscut)|(?:χρήστης|παραλήπτης|διεύθυνση)(?:[^.\n]|\.\S){0,30}δεν υπάρχει|άγνωστος (?:χρήστης|παραλήπτης)` +
				`|(?:vastaanottaja|käyttäjä|osoite)(?:[^.\n]|\.\S){0,30}(?:ei ole olemassa|tuntematon)|tuntematon (?:vastaanottaja|käyttäjä)` +
				`|(?:pengguna|penerima|alamat)(?:[^.\n]|\.\S){0,30}tidak (?:ditemukan|dikenal|terdaftar)|(?:người nhận|người dùng|địa chỉ)(?:[^.\n]|\.\S){0,30}không tồn tại|ไม่มีผู้ใช้|ไม่พบผู้รับ` +
				`|存在しません|宛先不明|存在しないユーザ|(?:ユーザー?|受信者|アドレス)が見つかりません|用户不存在|用戶不存在|收件人不存在|收件者不存在|邮箱不存在|信箱不存在|(?:邮箱|邮件|信箱|郵箱|郵件|電郵|收件人)地址不存在|帳號不存在|账号不存在|找不到收件人` +
				`|존재하지 않는 (?:사용자|계정|주소|메일)|(?:메일 ?주소|주소|메일함|사서함)(?:가|이|는)? (?:존재하지 않|없습니다)|(?:사용자|수신자|계정)(?:를|을|가|이)? (?:찾을 수 없|존재하지 않)|없는 사용자` +
				`|(?:المستخدم|المستلم|العنوان|البريد الإلكتروني|عنوان البريد) غير موجود|مستخدم غير معروف` +
				`|(?:משתמש|הנמען|נמען) (?:לא|אינו) (?:קיים|ידוע)|(?:כתובת|תיבת הדואר)(?:[^.\n]){0,20}(?:לא|אינה) קיימת|(?:корисник|прималац|адреса|поштанско сандуче)(?:[^.\n]|\.\S){0,30}(?:не постоји|није пронађен|непознат)|непознат(?:и)? (?:корисник|прималац)|(?:notandi|viðtakandi|netfang)(?:[^.\n]|\.\S){0,30}(?:er ekki til|finnst ekki|óþekkt)|óþekktur (?:notandi|viðtakandi)|(?:користувач|адресат|одержувач|отримувач|скриньк|адрес)(?:[^.\n]|\.\S){0,40}(?:не існує|не знайдено|невідом)|такої (?:поштової )?скриньки не існує|невідомий (?:користувач|одержувач|адресат)|(?:потребител|получател|адрес)(?:[^.\n]|\.\S){0,30}(?:не съществува|не е намерен|неизвестен)|несъществуващ|(?:korisnik|primatelj|primalac|adresa|uporabnik|prejemnik|naslov)(?:[^.\n]|\.\S){0,30}(?:ne postoji|ne obstaja|nije pronađen|ni najden|nepoznat|neznan)|nepoznat(?:i)? (?:korisnik|primatelj)|(?:usuari|destinatari|adreça|bústia)(?:[^.\n]|\.\S){0,30}(?:desconegut|no existeix|inexistent)|no existeix|(?:vartotojas|gavėjas|adresas)(?:[^.\n]|\.\S){0,30}(?:neegzistuoja|nerastas|nežinomas)|(?:lietotājs|saņēmējs|adrese)(?:[^.\n]|\.\S){0,30}(?:neeksistē|nav atrasts)|(?:kasutaja|saaja|aadress)(?:[^.\n]|\.\S){0,30}(?:ei eksisteeri|ei ole olemas|tundmatu)|(?:کاربر|گیرنده|آدرس)(?:[^.\n]){0,30}(?:وجود ندارد|یافت نشد|ناشناخته)|(?:उपयोगकर्ता|प्राप्तकर्ता|पता)(?:[^.\n]){0,30}(?:मौजूद नहीं|नहीं मिला)`,
			example: "550 Gebruiker onbekend"},
	}
}
